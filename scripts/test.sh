#!/usr/bin/env bash
# Install and run every check: lint, format, types, module boundaries and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh dev

# Real peers the tests start: Debian's RabbitMQ (the event relay's broker), and node with the
# official Socket.IO client from npm (the real-time compatibility test), openapi-typescript
# and TypeScript (the generated client's type check).
missing=()
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
command -v npm >/dev/null || missing+=(nodejs npm)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "Installing Debian's ${missing[*]} for the tests..."
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Installed again whenever the lockfile changed since (npm keeps a copy in node_modules).
[ tests/js/node_modules/.package-lock.json -nt tests/js/package-lock.json ] ||
    npm ci --prefix tests/js --no-audit --no-fund --silent

echo "== ruff"; .venv/bin/ruff check src tests migrations bench
echo "== ruff format"; .venv/bin/ruff format --check src tests migrations bench
echo "== mypy"; .venv/bin/mypy
echo "== import-linter"; .venv/bin/lint-imports
echo "== pytest"; exec .venv/bin/pytest -n "${PYTEST_WORKERS:-2}" "$@"
