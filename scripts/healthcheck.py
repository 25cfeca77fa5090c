"""Container health checks (Dockerfile HEALTHCHECK, compose.yaml): exit 0 when healthy.

`healthcheck.py web`: daphne answers HTTP on PORT (any answer below 500: the page itself may
redirect or need a session). `healthcheck.py engine` / `control`: this container's Celery
worker of that name answers a ping through the broker.
"""

import http.client
import os
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def web() -> bool:
    port = int(os.environ.get("PORT", "8000"))
    hosts = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",") if h.strip()]
    host = next((h for h in hosts if h != "*" and not h.startswith(".")), "localhost")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        # As the load balancer forwards it: a known host, already HTTPS (no SSL redirect).
        conn.request("GET", "/", headers={"Host": host, "X-Forwarded-Proto": "https"})
        return conn.getresponse().status < 500
    except OSError:
        return False
    finally:
        conn.close()


def worker(name: str) -> bool:
    from playground.celery import app

    node = f"{name}{os.environ.get('WORKER_SUFFIX', '')}@{socket.gethostname()}"
    return bool(app.control.ping(destination=[node], timeout=5))


def main(argv: list[str]) -> int:
    which = argv[0] if argv else "web"
    if which == "web":
        healthy = web()
    elif which in ("engine", "control"):
        healthy = worker(which)
    else:
        print("usage: healthcheck.py {web,engine,control}", file=sys.stderr)
        return 2
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
