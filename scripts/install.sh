#!/usr/bin/env bash
# Builds oversight and puts it on PATH, so the README's `oversight ...` commands work as
# written: a symbolic link PREFIX/bin/oversight (default /usr/local/bin/oversight, sudo when
# not root) to the binary in this project's .build folder. The binary keeps finding this
# project (its .venv with the local model) through the link. Run it again after pulling.
# Usage: scripts/install.sh [--debug] [--no-build]     (PREFIX=/some/where to link elsewhere)
set -euo pipefail
cd "$(dirname "$0")/.."
config=release
build=1
for arg in "$@"; do
  case "$arg" in
    --debug) config=debug ;;
    --no-build) build=0 ;;
    *) echo "scripts/install.sh: unknown option $arg (use --debug, --no-build)" >&2; exit 2 ;;
  esac
done
if [ "$build" = 1 ]; then
  bash scripts/setup.sh
  export LANG=${LANG:-C.UTF-8}
  swift build -c "$config" --product oversight
fi
binary="$PWD/.build/$config/oversight"
if [ ! -x "$binary" ]; then
  echo "scripts/install.sh: $binary is missing; run without --no-build" >&2
  exit 1
fi
bin="${PREFIX:-/usr/local}/bin"
sudo_cmd=""
if [ ! -w "$(dirname "$bin")" ] && [ ! -w "$bin" ] && [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
$sudo_cmd mkdir -p "$bin"
$sudo_cmd ln -sfn "$binary" "$bin/oversight"
echo "oversight: $bin/oversight -> $binary"
case ":$PATH:" in
  *":$bin:"*) ;;
  *) echo "note: $bin is not on PATH; add it (export PATH=\"$bin:\$PATH\") or type $bin/oversight" ;;
esac
