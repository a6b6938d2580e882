#!/usr/bin/env bash
# Sets up and runs the whole test suite: unit tests, golden tests, the end-to-end tests that
# drive the real binary in tmux, the tests against a real local model server (it installs the
# small model into .venv; the first time llama.cpp compiles for a few minutes), and the check
# of the HTML report's layout and of the web gateway in headless Chromium (Debian's chromium,
# installed here, with nginx as the web gateway's TLS proxy).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --chromium --proxy
bash scripts/setup-model.sh --small
export LANG=C.UTF-8 LC_ALL=C.UTF-8
swift build --product oversight
# XCTest only: the suite has no Swift Testing tests, and its empty run would print last.
swift test --disable-swift-testing "$@"
