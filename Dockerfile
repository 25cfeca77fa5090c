# syntax=docker/dockerfile:1
# One image for every process of the Procfile: `docker run IMAGE web|engine|control`.
# See docs/deploy.md; compose.yaml runs a whole deployment from it.

# --- vendor: the front-end packages (static files only, no build step) ----------------------
FROM node:20-bookworm-slim AS vendor
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

# --- builder: the Python packages, into a virtualenv copied whole into the final stage -----
FROM python:3.11-slim-bookworm AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY requirements.txt /tmp/requirements.txt
# The runtime part of requirements.txt only: the test and lint tools stay out of the image.
RUN sed '/^# Tests and tooling/,$d' /tmp/requirements.txt > /tmp/runtime.txt \
 && python -m venv /venv \
 && /venv/bin/pip install -r /tmp/runtime.txt

# --- final: slim, non-root, hashed static files collected at build -------------------------
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/venv/bin:$PATH \
    PLAYGROUND_ENV=production \
    STATIC_ROOT=/app/var/static \
    HOST=0.0.0.0 \
    PORT=8000
RUN groupadd --system --gid 10001 playground \
 && useradd --system --uid 10001 --gid playground --home-dir /app --shell /usr/sbin/nologin playground
WORKDIR /app
COPY --from=builder /venv /venv
COPY --from=vendor /app/node_modules ./node_modules
COPY . .
# collectstatic needs settings, not secrets or a database: throwaway values for the build only.
RUN DJANGO_SECRET_KEY=build-only-not-a-secret-$(date +%s)-0123456789abcdefghijklmnopqrstuvwxyz \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --no-input -v 0 \
 && python -m compileall -q apps playground scripts \
 && chown -R playground:playground /app/var
USER playground
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=6s --start-period=20s --retries=3 \
    CMD ["python", "scripts/healthcheck.py", "web"]
ENTRYPOINT ["python", "scripts/procfile.py"]
CMD ["web"]
