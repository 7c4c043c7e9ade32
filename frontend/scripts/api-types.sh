#!/bin/sh
# Regenerates src/lib/api/schema.d.ts from the backend's OpenAPI schema; with --check, fails
# instead when the committed file is stale. Runs the backend from ../.venv (make install).
set -eu
cd "$(dirname "$0")/.."
python="${PYK8S_PYTHON:-../.venv/bin/python}"
# Schema generation needs no secrets, but settings insist on them: a fresh checkout gets
# throwaway local ones under var/ (DEBUG), while CI passes its own through the environment.
schema="$(DEBUG="${DEBUG:-true}" "$python" ../manage.py spectacular)"
printf '%s\n' "$schema" | npx --no-install openapi-typescript -o src/lib/api/schema.d.ts "$@"
