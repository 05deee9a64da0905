#!/usr/bin/env bash
# tests/e2e/tty_gone.sh CMON: the screens end when their terminal goes
# (tty_gone.py says how).
set -uo pipefail
cd "$(dirname "$0")/../.."
exec python3 tests/e2e/tty_gone.py "$1"
