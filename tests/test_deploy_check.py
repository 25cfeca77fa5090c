"""Production settings pass Django's deployment checks (issue: safety)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_manage_check_deploy_is_clean_with_production_settings() -> None:
    env = dict(os.environ)
    env.update(
        {
            "PLAYGROUND_ENV": "production",
            "DJANGO_SECRET_KEY": "test-only-" + "k" * 60,
            "DJANGO_ALLOWED_HOSTS": "playground.example",
            "DJANGO_DEBUG": "0",
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = dict(os.environ, PLAYGROUND_ENV="production", DJANGO_SECRET_KEY="", DJANGO_DEBUG="0")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr
