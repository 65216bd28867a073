#!/usr/bin/env bash
# Install and start everything: embedded PostgreSQL, migrations, demo data, API, real-time, worker.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/commonhold up "$@"
