"""A daphne serving the project on a free loopback port, for the tests and benchmarks that need
a real server (its sockets, its buffering, its log) rather than Django's test client."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playground.embedded_redis import free_port

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class LocalDaphne:
    url: str  # http://127.0.0.1:<port>
    port: int
    process: "subprocess.Popen[bytes]"
    log_path: Path

    def cpu_seconds(self) -> float:
        """The server's CPU time so far (user + system), from /proc; 0.0 where there is none."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for_page(url: str, process: "subprocess.Popen[bytes]", timeout_s: float = 30) -> None:
    """Until `url` answers 200; raises if `process` exits first or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - a loopback http URL
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout_s} s")


@contextmanager
def local_daphne(*, log_path: Path, env: dict[str, str] | None = None, timeout_s: float = 30) -> Iterator[LocalDaphne]:
    """Start daphne (with `env`, else this process's environment), wait until its home page
    answers, and stop it on leaving; its output goes to `log_path`."""
    port = free_port()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "playground.asgi:application"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        server = LocalDaphne(url=f"http://127.0.0.1:{port}", port=port, process=process, log_path=log_path)
        try:
            try:
                wait_for_page(server.url + "/", process, timeout_s)
            except RuntimeError as exc:
                raise RuntimeError(f"daphne did not start (see {log_path}): {exc}") from None
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
