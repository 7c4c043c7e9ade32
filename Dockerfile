# syntax=docker/dockerfile:1
# One image for web, worker and beat: the chart, compose.yaml or the Procfile picks the command.
# Build: docker build -t pyk8s-lab .   (BuildKit; TARGETARCH amd64 or arm64)

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim

# --- Frontend: Next.js static export into /src/frontend/out --------------------------------
FROM ${NODE_IMAGE} AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

# --- Python wheels for the pinned runtime requirements -------------------------------------
FROM ${PYTHON_IMAGE} AS wheels
WORKDIR /src
COPY requirements/base.txt requirements/base.txt
RUN pip wheel --no-cache-dir --wheel-dir /wheels --requirement requirements/base.txt

# --- kind and the Docker CLI, pinned and checksum-verified ---------------------------------
FROM buildpack-deps:bookworm-curl AS tools
ARG TARGETARCH
ARG KIND_VERSION=v0.29.0
# From kind's release assets kind-linux-<arch>.sha256sum for v0.29.0.
ARG KIND_SHA256_AMD64=c72eda46430f065fb45c5f70e7c957cc9209402ef309294821978677c8fb3284
ARG KIND_SHA256_ARM64=03d45095dbd9cc1689f179a3e5e5da24b77c2d1b257d7645abf1b4174bebcf2a
ARG DOCKER_CLI_VERSION=28.3.3
# Docker publishes no checksum file for its static builds: this is the sha256 of
# docker-28.3.3.tgz (x86_64) as pinned independently by several projects. No arm64 value
# could be cross-checked, so an arm64 build must pass DOCKER_CLI_SHA256_ARM64 itself.
ARG DOCKER_CLI_SHA256_AMD64=40c16bcf324f354b382d07e845e6a79e3493fc0c09b252dff9e1a46125589bff
ARG DOCKER_CLI_SHA256_ARM64=
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /tools
COPY deploy/docker/fetch-verified.sh /usr/local/bin/fetch-verified
RUN case "${TARGETARCH}" in \
      amd64) docker_arch=x86_64 ;; \
      arm64) docker_arch=aarch64 ;; \
      *) echo "Unsupported TARGETARCH '${TARGETARCH}': build for amd64 or arm64." >&2; exit 1 ;; \
    esac \
    && arch_upper="${TARGETARCH^^}" \
    && kind_sha_arg="KIND_SHA256_${arch_upper}" \
    && docker_sha_arg="DOCKER_CLI_SHA256_${arch_upper}" \
    && fetch-verified \
      "https://github.com/kubernetes-sigs/kind/releases/download/${KIND_VERSION}/kind-linux-${TARGETARCH}" \
      "${!kind_sha_arg}" kind "${kind_sha_arg}" \
    && fetch-verified \
      "https://download.docker.com/linux/static/stable/${docker_arch}/docker-${DOCKER_CLI_VERSION}.tgz" \
      "${!docker_sha_arg}" docker.tgz "${docker_sha_arg}" \
    && tar --extract --gzip --file docker.tgz --strip-components=1 docker/docker \
    && chmod 0755 kind docker \
    && ./kind version \
    && ./docker --version

# --- Runtime: no compilers, no build tools, non-root ---------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
# The code lives in /app and is imported from there (PYTHONPATH), not from site-packages:
# settings resolve var/ and frontend/out relative to the source tree, and daphne, celery and
# manage.py must all load the same copy.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PYK8S_VAR_DIR=/app/var \
    PORT=8000
RUN groupadd --system --gid 10001 pyk8s \
    && useradd --system --uid 10001 --gid pyk8s --create-home --home-dir /home/pyk8s \
       --shell /usr/sbin/nologin pyk8s
RUN --mount=type=bind,from=wheels,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --no-deps /wheels/*.whl
COPY --from=tools /tools/kind /tools/docker /usr/local/bin/
WORKDIR /app
COPY manage.py ./
COPY pyk8s/ pyk8s/
COPY accounts/ accounts/
COPY clusters/ clusters/
COPY --from=frontend /src/frontend/out/ frontend/out/
# Settings refuse to load without real-looking secrets; collectstatic reads neither, so
# throwaway values keep real ones out of the image.
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    PYK8S_JWT_SIGNING_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    PYK8S_ENCRYPTION_KEYS="$(python -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')" \
    python manage.py collectstatic --noinput
USER 10001:10001
EXPOSE 8000
# For `docker run` and compose; Kubernetes ignores it and uses the chart's probes. Only the
# web process answers HTTP: compose overrides this check for the worker and beat.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['PORT'] + '/health/live', timeout=4)"]
CMD ["sh", "-c", "exec daphne --access-log /dev/null -b 0.0.0.0 -p \"$PORT\" pyk8s.asgi:application"]
