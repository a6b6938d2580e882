#!/usr/bin/env bash
# Sets up and runs the bundled demo study (Tasks/demo.toml) in this terminal, with the local
# model as the assistant (the first run installs it into .venv: a ~1.1 GB download and a few
# minutes of compiling). Add --simulated to skip the model and use the simulated assistant.
# Usage: scripts/demo.sh [--simulated] [--participant ID]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
simulated=0
for arg in "$@"; do [ "$arg" = "--simulated" ] && simulated=1; done
if [ "$simulated" = 0 ]; then bash scripts/setup-model.sh; fi
export LANG=${LANG:-C.UTF-8}
swift build -c release --product oversight
exec .build/release/oversight demo "$@"
