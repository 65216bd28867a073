#!/usr/bin/env bash
# Install and run every check: lint, format, types, module boundaries and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh dev

echo "== ruff"; .venv/bin/ruff check src tests migrations bench
echo "== ruff format"; .venv/bin/ruff format --check src tests migrations bench
echo "== mypy"; .venv/bin/mypy
echo "== import-linter"; .venv/bin/lint-imports
echo "== pytest"; exec .venv/bin/pytest -n "${PYTEST_WORKERS:-2}" "$@"
