#!/usr/bin/env bash
# Create .venv and install Commonhold into it (with test tools when given "dev").
# Skips the install when pyproject.toml has not changed since the last one.
set -euo pipefail
cd "$(dirname "$0")/.."

extras="${1:-}"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv 2>/dev/null || {
        echo "python3 -m venv failed; installing Debian's python3-venv" >&2
        apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
        "$python" -m venv .venv
    }
fi

target="."
[ -n "$extras" ] && target=".[$extras]"
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-${extras:-base}"
quiet_pip() {
    # Some machines' pip configuration names package folders that do not exist; say so once.
    .venv/bin/python -m pip "$@" 2>&1 | { grep -v "^WARNING: Location '.*' is ignored" || true; }
}
if [ ! -f "$stamp" ]; then
    echo "Installing Commonhold${extras:+ with $extras tools} into .venv..."
    quiet_pip install --quiet --upgrade pip
    quiet_pip install --quiet --editable "$target"
    touch "$stamp"
fi
