"""Browser tests drive Debian's Chromium (Playwright) against the real stack: a daphne
subprocess on a free port, with its own SQLite database and the suite's Redis.

Without /usr/bin/chromium they are skipped, except under CI=true where that is an error.
"""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from playground.embedded_redis import start_embedded_redis
from playground.local_daphne import local_daphne

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and no Chromium at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM}: browser tests skipped")
    return CHROMIUM


@pytest.fixture(scope="session")
def live_server_env(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[dict[str, str]]:
    """The live server's environment: a fresh database (migrated, templates loaded) and a Redis.
    `manage.py` commands run with it see what the server sees (e.g. to store a run)."""
    workdir = tmp_path_factory.mktemp("live")
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "playground.settings",
            "DATABASE_URL": env.get("BROWSER_DATABASE_URL", f"sqlite:///{workdir / 'db.sqlite3'}"),
            "DJANGO_DEBUG": "0",
        }
    )
    # A Redis of its own: an engine worker of the rest of the suite, on the suite's Redis and
    # database, must never take this server's hops (it would write their records elsewhere).
    redis = start_embedded_redis()
    env["REDIS_URL"] = redis.url
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "load_templates"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        yield env
    finally:
        redis.stop()


@pytest.fixture(scope="session")
def live_server_url(tmp_path_factory: pytest.TempPathFactory, live_server_env: dict[str, str]) -> Iterator[str]:
    """Base URL of a real daphne serving the app (fresh database, templates loaded)."""
    workdir = tmp_path_factory.mktemp("daphne")
    with local_daphne(log_path=workdir / "daphne.log", env=live_server_env) as server:
        yield server.url


@pytest.fixture(scope="session")
def live_fleet(live_server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The worker fleet behind the live server, for tests that run scenarios: a hop worker
    (queue `engine`) and a run driver (queue `control`) on the server's database and Redis."""
    celery = [sys.executable, "-m", "celery", "-A", "playground", "worker", "--loglevel", "WARNING"]
    celery += ["--without-gossip", "--without-mingle", "--concurrency", "2"]
    commands = [
        [*celery, "-n", f"browser-engine-{os.getpid()}@%h", "-Q", "engine,celery", "--pool", "prefork"],
        [*celery, "-n", f"browser-control-{os.getpid()}@%h", "-Q", "control", "--pool", "threads"],
    ]
    log = open(tmp_path_factory.mktemp("fleet") / "fleet.log", "wb")  # noqa: SIM115 - closed below
    workers = [
        subprocess.Popen(command, env=live_server_env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        for command in commands
    ]
    try:
        _wait_for_queues(live_server_env["REDIS_URL"], {"engine", "control"})
        yield
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
        log.close()


def _wait_for_queues(broker_url: str, queues: set[str], timeout_s: float = 40) -> None:
    """Wait until workers consume these queues on the broker."""
    from celery import Celery

    app = Celery(broker=broker_url)
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            replies = app.control.inspect(timeout=0.5).active_queues() or {}
            if queues <= {queue["name"] for found in replies.values() for queue in found}:
                return
        raise RuntimeError(f"no worker consumed {sorted(queues)} within {timeout_s:.0f} s")
    finally:
        app.close()


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[object]:
    """A Playwright Browser on Debian Chromium, closed at the end of each module (Playwright's
    event loop must not outlive the module, or later database tests see a running loop)."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def error_checked_page(browser: Any, **context_args: Any) -> Iterator[Any]:
    """A page in a context of its own (`context_args` for Browser.new_context) that fails the
    test on any script error or console error; for a module's `page` fixture to yield from."""
    context = browser.new_context(**context_args)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield page
    context.close()
    assert errors == [], f"errors in the browser console: {errors}"
