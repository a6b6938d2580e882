#!/usr/bin/env python3
"""Run llama.cpp's OpenAI-compatible server as a child that never outlives the app.

Usage: serve_model.py -- <arguments for `python -m llama_cpp.server`>

The app starts this script with a pipe on stdin. The server is stopped (SIGTERM, then SIGKILL
after a second) when that pipe closes (the app exited, even by SIGKILL), when this script's
parent changes, or on SIGTERM/SIGINT; the app does not wait for it.
The server itself gets PR_SET_PDEATHSIG, so killing this script with SIGKILL stops it too.
"""
import ctypes
import os
import signal
import subprocess
import sys
import threading

PR_SET_PDEATHSIG = 1


def die_with_parent():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except OSError:
        pass


def main():
    argv = sys.argv[1:]
    if argv and argv[0] == "--":
        argv = argv[1:]
    parent = os.getppid()
    child = subprocess.Popen([sys.executable, "-m", "llama_cpp.server"] + argv,
                             stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
    stop = threading.Event()

    def watch_stdin():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError):
            pass
        stop.set()

    def on_signal(_signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    threading.Thread(target=watch_stdin, daemon=True).start()
    while not stop.is_set():
        if child.poll() is not None:
            sys.exit(child.returncode)
        if os.getppid() != parent:
            break
        stop.wait(0.5)
    # The server keeps no state worth a slow shutdown (it takes about 5 s after SIGTERM):
    # a second's grace, then SIGKILL.
    child.terminate()
    try:
        child.wait(timeout=1)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
    sys.exit(0)


if __name__ == "__main__":
    main()
