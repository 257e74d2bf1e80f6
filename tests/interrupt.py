"""Kill a writing process at a chosen point, for the tests that nothing half-written is ever read.

:func:`kill_at_fsync` runs Python code in a child process whose ``os.fsync`` stops at its ``n``-th call (the
file has been written to its temporary name, not yet renamed), and kills the child there with ``SIGKILL``: no
handler, no ``finally``, no clean-up runs, as when a machine loses power or the OOM killer strikes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_HOOK = """
import os as _os, sys as _sys, time as _time
_real_fsync, _calls = _os.fsync, [0]
def _stopping_fsync(fd):
    _real_fsync(fd)
    _calls[0] += 1
    if _calls[0] == {n}:
        _sys.stdout.write("stopped\\n")
        _sys.stdout.flush()
        _time.sleep(600)
_os.fsync = _stopping_fsync
"""


def child(code: str) -> subprocess.Popen[str]:
    """Start ``python -c code`` from the project root (the project importable), pipes on stdout/stderr."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_at_fsync(code: str, n: int, timeout: float = 300) -> None:
    """Run ``code`` in a child and ``SIGKILL`` it when it reaches its ``n``-th ``os.fsync``.

    Fails (with the child's stderr) when the child ends, or does not get there within ``timeout`` seconds.
    """
    process = child(_HOOK.format(n=n) + code)
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        process.send_signal(signal.SIGKILL)
        _, stderr = process.communicate()
    finally:
        timer.cancel()
    assert line == "stopped\n", f"the child did not reach fsync #{n}: {stderr[-3000:]}"
    assert process.returncode == -signal.SIGKILL
