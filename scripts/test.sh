#!/usr/bin/env bash
# Sets up and runs the whole test suite: unit tests, golden tests, and the end-to-end tests that
# drive the real binary in tmux. Tests of the local language model run when .venv holds it
# (scripts/setup-model.sh); they skip otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export LANG=C.UTF-8 LC_ALL=C.UTF-8
swift build --product oversight
swift test "$@"
