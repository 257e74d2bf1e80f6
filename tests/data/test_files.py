"""Atomic files: a file appears whole or not at all, even when its writer is killed midway."""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path

import pytest

from data import files
from tests.interrupt import child, kill_at_fsync


def test_written_whole_and_nothing_left_beside(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "report.html"
    files.write_text(path, "<html>é</html>")
    assert path.read_text(encoding="utf-8") == "<html>é</html>"
    with files.atomic_text(path, newline="") as handle:
        handle.write("a\r\nb")
    assert path.read_bytes() == b"a\r\nb"
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]


def test_an_error_midway_leaves_the_old_file(tmp_path: Path) -> None:
    path = files.write_bytes(tmp_path / "model.npz", b"old")
    with pytest.raises(RuntimeError, match="disk on fire"), files.atomic_binary(path) as handle:
        handle.write(b"new, half")
        raise RuntimeError("disk on fire")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_killed_before_the_rename_leaves_the_old_file(tmp_path: Path) -> None:
    path = files.write_bytes(tmp_path / "report.pdf", b"old report")
    kill_at_fsync(f"from data import files; files.write_bytes({str(path)!r}, b'new report' * 1000)", n=1)
    assert path.read_bytes() == b"old report"
    (temporary,) = tmp_path.glob(".report.pdf.*.tmp")  # the killed writer's, complete but never renamed
    assert temporary.read_bytes() == b"new report" * 1000


def test_killed_at_random_moments_the_file_is_one_version_or_the_other(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    chunk = 1 << 16
    # two versions of 8 MB written in 128 chunks, over and over: a kill lands in the middle of most writes
    code = f"""
from data import files
n = 0
while True:
    with files.atomic_binary({str(path)!r}) as handle:
        for _ in range(128):
            handle.write(bytes([65 + n % 2]) * {chunk})
    n += 1
"""
    rng = random.Random(17)
    for _ in range(4):
        process = child(code)
        time.sleep(rng.uniform(0.3, 1.5))
        process.send_signal(signal.SIGKILL)
        process.communicate()
        assert process.returncode == -signal.SIGKILL
        if path.exists():
            content = path.read_bytes()
            assert len(content) == 128 * chunk
            assert content in (b"A" * len(content), b"B" * len(content))
    assert path.exists()
    assert list(tmp_path.glob(".big.bin.*.tmp"))  # at least one kill landed mid-write
