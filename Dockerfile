# syntax=docker/dockerfile:1
# The core service's image (ECS Fargate, port 8000). Only the core extra is
# installed, as locked in uv.lock, and the project non-editable: the file API's
# code and dependencies stay out.
# Build: docker build -t snsd-core .

# /docs' Swagger UI (core_service/docs.py): swagger-ui-dist exactly as
# web/package-lock.json pins it, copied under content-hashed names as `make pages`
# does, so the image serves it whatever the build machine has built. Only the
# docs: the pages' bundler (esbuild, a dev dependency) is not installed.
FROM node:20-slim AS docs
# swagger-ui-dist's dependency @scarf/scarf reports installs unless told not to.
ENV SCARF_ANALYTICS=false
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error
COPY web/build.mjs ./
COPY web/src/docs.js ./src/
RUN node build.mjs --docs-only


FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH
WORKDIR /src
RUN python -m venv /opt/venv
# The core extra's dependencies exactly as uv.lock pins them, each checked
# against its hash (`make lock` writes requirements/core.txt from the lock).
COPY requirements/core.txt ./requirements/
RUN pip install --no-cache-dir --require-hashes --requirement requirements/core.txt
COPY pyproject.toml ./
COPY tenancy ./tenancy
COPY core_service ./core_service
COPY --from=docs /src/core_service/docs_assets ./core_service/docs_assets
# Then the project itself, which is no registry name, without dependencies:
# they are all above. Bytecode is compiled here: the task's root filesystem is
# read-only.
RUN pip install --no-cache-dir --no-deps . \
    && python -m compileall -q /opt/venv


FROM python:3.12-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=8000
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# For `python -m core_service.migrate` as a one-off task (run from /app).
COPY supabase/migrations ./supabase/migrations
USER 10001:10001
EXPOSE 8000

# No curl in slim: Python asks /health, which touches no dependency.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; r.urlopen('http://127.0.0.1:%s/health' % os.environ.get('PORT', '8000'), timeout=4)"]

# The ALB terminates TLS and sets X-Forwarded-*: trust it (only the ALB can
# reach the task). Keep-alive outlasts the ALB's 60 s idle timeout, so the ALB
# never reuses a connection uvicorn has just closed (502s). No access log: the
# load balancer already writes a line per request to S3 (with the trace id the
# app returns as request_id), and formatting one was a large share of a
# /health request (make bench, "Core: /health"); the app still logs errors.
CMD ["sh", "-c", "exec uvicorn core_service.main:app --host 0.0.0.0 --port \"${PORT:-8000}\" --proxy-headers --forwarded-allow-ips='*' --no-server-header --no-access-log --timeout-keep-alive 75 --timeout-graceful-shutdown 25"]
