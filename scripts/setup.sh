#!/usr/bin/env bash
# Installs what building and testing oversight needs beyond the Swift toolchain:
# ncursesw headers (libncurses-dev), libcrypto headers (libssl-dev, for SHA-256), tmux (end-to-end
# tests), openssh-server and -client (`oversight serve ssh` and its tests), and for the local
# model (scripts/setup-model.sh) python3 with venv and a C++ compiler; into the project's .venv
# (made here when missing) PyPI's webssh, pinned, for `oversight serve web`. With --chromium also
# Debian's chromium, which the tests use to check the HTML report's layout and the web gateway's
# page; with --proxy Debian's nginx, which the tests put in front of the web gateway as the
# README's TLS proxy (the demo needs neither). Safe to run again: it installs only what is missing.
# Usage: scripts/setup.sh [--chromium] [--proxy]
set -euo pipefail

chromium=0
proxy=0
for arg in "$@"; do
  case "$arg" in
    --chromium) chromium=1 ;;
    --proxy) proxy=1 ;;
    *) echo "scripts/setup.sh: unknown option $arg (use --chromium or --proxy)" >&2; exit 2 ;;
  esac
done

need=()
dpkg -s libncurses-dev >/dev/null 2>&1 || need+=(libncurses-dev)
dpkg -s libssl-dev >/dev/null 2>&1 || need+=(libssl-dev)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
command -v python3 >/dev/null 2>&1 || need+=(python3)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
command -v c++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)
if [ "$chromium" = 1 ]; then command -v chromium >/dev/null 2>&1 || need+=(chromium); fi
if [ "$proxy" = 1 ]; then [ -x /usr/sbin/nginx ] || need+=(nginx); fi

if [ ${#need[@]} -gt 0 ]; then
  echo "Installing: ${need[*]}"
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
fi

# `oversight serve web`: webssh (it ships xterm.js in its own static folder) in the project's .venv.
WEBSSH_VERSION=1.6.3
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -x "$ROOT/.venv/bin/python" ]; then
  python3 -m venv "$ROOT/.venv"
fi
if ! "$ROOT/.venv/bin/python" -c "import sys, webssh; sys.exit(webssh.__version__ != '$WEBSSH_VERSION')" >/dev/null 2>&1; then
  echo "Installing webssh $WEBSSH_VERSION into $ROOT/.venv"
  "$ROOT/.venv/bin/python" -m pip install -q "webssh==$WEBSSH_VERSION" "tornado==6.6.1" "paramiko==5.1.0"
fi
