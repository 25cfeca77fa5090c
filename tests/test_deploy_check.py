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
            "DATABASE_URL": "postgres://playground@db.example:5432/playground",
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


def test_production_refuses_to_start_without_a_database_url() -> None:
    env = dict(os.environ, PLAYGROUND_ENV="production", DJANGO_SECRET_KEY="test-only-" + "k" * 60, DJANGO_DEBUG="0")
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "DATABASE_URL must be set when PLAYGROUND_ENV=production" in result.stderr


def test_production_serves_hashed_static_files_from_static_root() -> None:
    env = dict(
        os.environ,
        PLAYGROUND_ENV="production",
        DJANGO_SECRET_KEY="test-only-" + "k" * 60,
        DJANGO_DEBUG="0",
        DATABASE_URL="postgres://playground@db.example:5432/playground",
        DJANGO_SETTINGS_MODULE="playground.settings",
    )
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.STORAGES['staticfiles']['BACKEND'], s.WHITENOISE_USE_FINDERS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["whitenoise.storage.CompressedManifestStaticFilesStorage", "False"]
