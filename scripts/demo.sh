#!/usr/bin/env bash
# Sets up and runs the bundled demo study (Tasks/demo.toml) in this terminal.
# Usage: scripts/demo.sh [--participant ID] [other `oversight demo` options]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export LANG=${LANG:-C.UTF-8}
swift build -c release --product oversight
exec .build/release/oversight demo "$@"
