#!/usr/bin/env bash
# Installs the locked environment, then runs the linters, the type checker and the tests.
# Extra arguments go to pytest (e.g. `bash scripts/test.sh -k idnumber`).
set -euo pipefail
cd "$(dirname "$0")/.."
uv sync --locked --group dev --quiet
uv run --no-sync ruff check .
uv run --no-sync ruff format --check .
uv run --no-sync mypy
uv run --no-sync pytest "$@"
