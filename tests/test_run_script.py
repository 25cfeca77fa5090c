"""`make run` (scripts/run.py) starts the Procfile's processes and stops cleanly on Ctrl-C."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from playground.embedded_redis import free_port
from scripts.procfile import command_args, processes

ROOT = Path(__file__).resolve().parent.parent


def test_procfile_lists_web_engine_and_control() -> None:
    listed = processes()
    assert list(listed) == ["web", "engine", "control"]
    assert listed["web"].startswith("daphne ")
    assert "-Q engine,celery" in listed["engine"]
    assert "-Q control --pool threads" in listed["control"]


def test_procfile_commands_read_the_environment() -> None:
    listed = processes()
    env = {"PORT": "9001", "PLAYGROUND_WORKER_ARGS": "--pool solo", "WORKER_SUFFIX": "-7"}
    web = command_args(listed["web"], env)
    assert Path(web[0]).name == "daphne"
    assert web[web.index("--port") + 1] == "9001"
    assert web[web.index("--bind") + 1] == "0.0.0.0"  # the default when HOST is unset
    engine = command_args(listed["engine"], env)
    assert engine[-2:] == ["--pool", "solo"]
    assert "engine-7@%h" in engine
    control = command_args(listed["control"], {})
    assert control[-2:] == ["--concurrency", "8"]
    assert command_args(listed["engine"], {})[-4:] == ["--pool", "prefork", "--concurrency", "2"]


def test_ctrl_c_stops_everything_quietly_with_exit_0(tmp_path: Path) -> None:
    """Ctrl-C reaches the whole process group at once, as a terminal sends it."""
    env = dict(os.environ, PORT=str(free_port()), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    env.pop("REDIS_URL", None)  # its own embedded Redis: never the test session's queues
    env.pop("PLAYGROUND_ENV", None)
    proc = subprocess.Popen(
        [sys.executable, "scripts/run.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    output = b""
    try:
        assert proc.stdout is not None
        os.set_blocking(proc.stdout.fileno(), False)
        deadline = time.monotonic() + 60
        while b"Press Ctrl-C" not in output:
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail("make run did not start:\n" + output.decode(errors="replace")[-3000:])
            output += proc.stdout.read() or b""
            time.sleep(0.2)
        time.sleep(3)  # the workers and daphne are up
        os.killpg(proc.pid, signal.SIGINT)
        os.set_blocking(proc.stdout.fileno(), True)
        rest, _ = proc.communicate(timeout=30)
        output += rest
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    text = output.decode(errors="replace")
    assert proc.returncode == 0, text[-3000:]
    assert text.rstrip().endswith("Stopped."), text[-3000:]
    assert "unexpectedly" not in text
