#!/usr/bin/env bash
# Install and run every check: lint, format, types, module boundaries and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh dev

# The event relay's tests publish to a real RabbitMQ broker: Debian's, started by the tests.
if [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then
    echo "Installing Debian's rabbitmq-server for the tests..."
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null
fi

echo "== ruff"; .venv/bin/ruff check src tests migrations bench
echo "== ruff format"; .venv/bin/ruff format --check src tests migrations bench
echo "== mypy"; .venv/bin/mypy
echo "== import-linter"; .venv/bin/lint-imports
echo "== pytest"; exec .venv/bin/pytest -n "${PYTEST_WORKERS:-2}" "$@"
