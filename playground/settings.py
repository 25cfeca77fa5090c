"""Settings, read from the environment (see README "Configuration")."""

import os
import sys
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from playground.env import envbool, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
NODE_MODULES = BASE_DIR / "node_modules"

# "development" (the default: local runs and tests) or "production" (a real deployment).
PLAYGROUND_ENV = envstr("PLAYGROUND_ENV", "development")
if PLAYGROUND_ENV not in ("development", "production"):
    raise ImproperlyConfigured(f"PLAYGROUND_ENV must be development or production, got {PLAYGROUND_ENV!r}")
PRODUCTION = PLAYGROUND_ENV == "production"

DEBUG = envbool("DJANGO_DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off when PLAYGROUND_ENV=production")

SECRET_KEY = envstr("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when PLAYGROUND_ENV=production")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "apps.topology",
    "apps.library",
    "apps.scenarios",
    "apps.editor",
    "apps.live",
    "apps.engine",
    "apps.domain",
    "apps.training",
    "apps.challenges",
    "apps.limits",
    "apps.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "playground.security.content_security_policy_middleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "apps.ops.middleware.QuotaMiddleware",  # per-client quotas (docs/limits.md)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "playground.urls"
ASGI_APPLICATION = "playground.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = envstr("DATABASE_URL")
if PRODUCTION and not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL must be set when PLAYGROUND_ENV=production (e.g. postgres://user:password@host:5432/playground):"
        " the web and the workers of a deployment share one database, SQLite in var/ is for one machine only"
    )
if not DATABASE_URL:
    (BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}",
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Engine workers write domain records while the web process reads: wait for the lock
    # instead of failing, take it at the start of a write transaction, and let readers
    # proceed during writes (write-ahead log).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
if not DATABASE_URL:
    # Tests keep their SQLite database in a file, not in memory, so that the workers they start
    # (the control worker of the run tests) share it. One file per test process.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"playground-test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = envstr("REDIS_URL") or "redis://127.0.0.1:6379/0"
if not envstr("REDIS_URL") and "pytest" in sys.modules:
    # A test session on a machine whose Redis is shared keeps to a database of its own, so
    # that its engine workers never take another session's (or a running playground's) tasks.
    REDIS_URL = f"redis://127.0.0.1:6379/{1 + os.getpid() % 15}"

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            # redis-py's 5 s default socket timeout kills idle websocket consumers.
            "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
            "capacity": 1000,
            "expiry": 30,
        },
    },
}

CELERY_BROKER_URL = envstr("CELERY_BROKER_URL") or REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker killed outright leaves its unacknowledged tasks in Redis; they return to the queue
# once older than the visibility timeout, checked every second (kombu's default sweep is far
# slower). Engine hops take milliseconds, so 10 s is well above any hop's time; long-running
# tasks (a run's driver) acknowledge on receipt instead.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": envint("PLAYGROUND_VISIBILITY_TIMEOUT_S", 10, minimum=1),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
CELERY_TASK_IGNORE_RESULT = True
# Hops of domain behaviours touch the database: keep a worker's connection across tasks
# (Celery closes it around every task otherwise; reconnecting costs ~1 ms a hop on SQLite).
CELERY_DB_REUSE_MAX = 500
# Run drivers go to their own worker (scripts/run.py), never to a hop worker.
CELERY_TASK_ROUTES = {
    "engine.drive": {"queue": "control"},
    "challenges.advance": {"queue": "control"},
    "limits.advance": {"queue": "control"},
}

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 365

# Request size limits: a topology document is at most 1 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1_100_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 1_100_000
DATA_UPLOAD_MAX_NUMBER_FIELDS = 400

STATIC_URL = "/static/"
STATIC_ROOT = Path(envstr("STATIC_ROOT") or BASE_DIR / "var" / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/x6", NODE_MODULES / "@antv" / "x6" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/elkjs", NODE_MODULES / "elkjs" / "lib"),
    ("vendor/uplot", NODE_MODULES / "uplot" / "dist"),
]
# Development serves static files straight from static/ and node_modules/ (the finders). Production
# serves what `collectstatic` put in STATIC_ROOT (the Dockerfile runs it at build): hashed,
# compressed names, cached for ever by the browsers.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
if PRODUCTION:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

if PRODUCTION:
    SECURE_SSL_REDIRECT = envbool("DJANGO_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Playground limits
PLAYGROUND_MAX_DOCUMENT_BYTES = 1_000_000
# Runs start when the workers have room for them (apps/engine/admission.py); this is only the
# hard safety cap on runs going or waiting at once: more are refused with 429. The control
# worker runs this many drivers in parallel (scripts/run.py: `-Q control --pool threads`).
PLAYGROUND_MAX_RUNS = envint("PLAYGROUND_MAX_RUNS", 8, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
}

# Operations (apps/ops): quotas per client, run limits, retention, health. Every one is
# described in docs/limits.md. Rates are "<count>/<window>" (30/10m, 60/1m, 5/1h) or "off".
if "pytest" in sys.modules:  # off in the suite and the servers and workers it starts (tests/ops turn them on)
    os.environ.setdefault("PLAYGROUND_QUOTAS", "0")
    os.environ.setdefault("PLAYGROUND_PRUNE_EVERY_S", "0")
PLAYGROUND_QUOTAS = envbool("PLAYGROUND_QUOTAS", default=True)
PLAYGROUND_QUOTA_SCENARIOS = envstr("PLAYGROUND_QUOTA_SCENARIOS", "30/10m")
PLAYGROUND_QUOTA_RUNS = envstr("PLAYGROUND_QUOTA_RUNS", "30/10m")
PLAYGROUND_QUOTA_FAULTS = envstr("PLAYGROUND_QUOTA_FAULTS", "60/1m")
PLAYGROUND_QUOTA_SESSIONS = envstr("PLAYGROUND_QUOTA_SESSIONS", "20/10m")
PLAYGROUND_QUOTA_SOCKETS = envstr("PLAYGROUND_QUOTA_SOCKETS", "60/1m")
PLAYGROUND_QUOTA_ADDRESS_FACTOR = envint("PLAYGROUND_QUOTA_ADDRESS_FACTOR", 10, minimum=1)
PLAYGROUND_PROXY_HOPS = envint("PLAYGROUND_PROXY_HOPS", 0, minimum=0)
PLAYGROUND_MAX_RUN_WALL_S = envint("PLAYGROUND_MAX_RUN_WALL_S", 1800, minimum=1)
PLAYGROUND_MAX_RUNS_PER_OWNER = envint("PLAYGROUND_MAX_RUNS_PER_OWNER", 3, minimum=1)
PLAYGROUND_MAX_RUNS_PER_CLIENT = envint("PLAYGROUND_MAX_RUNS_PER_CLIENT", 3, minimum=1)
PLAYGROUND_KEEP_RUNS_DAYS = envint("PLAYGROUND_KEEP_RUNS_DAYS", 30, minimum=1)
PLAYGROUND_KEEP_SESSIONS_DAYS = envint("PLAYGROUND_KEEP_SESSIONS_DAYS", 90, minimum=1)
PLAYGROUND_KEEP_REVISIONS_DAYS = envint("PLAYGROUND_KEEP_REVISIONS_DAYS", 180, minimum=1)
PLAYGROUND_PRUNE_EVERY_S = envint("PLAYGROUND_PRUNE_EVERY_S", 3600, minimum=0)
PLAYGROUND_HEALTH_TIMEOUT_S = envint("PLAYGROUND_HEALTH_TIMEOUT_S", 1, minimum=1)
PLAYGROUND_METRICS_TOKEN = envstr("PLAYGROUND_METRICS_TOKEN")
