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
    # two versions of 8 MB written in 128 chunks, over and over; the child says when its first version is
    # whole, so a kill never lands while it is still starting (slow on a loaded machine)
    code = f"""
import sys
from data import files
n = 0
while True:
    with files.atomic_binary({str(path)!r}) as handle:
        for _ in range(128):
            handle.write(bytes([65 + n % 2]) * {chunk})
    if n == 0:
        print("writing", flush=True)
    n += 1
"""
    rng = random.Random(17)
    kills = mid_write = 0
    # most kills land mid-write; the rest between two writes: kill until one of each kind could be seen
    while kills < 4 or (not mid_write and kills < 40):
        process = child(code)
        assert process.stdout is not None
        assert process.stdout.readline() == "writing\n", process.communicate()[1]
        time.sleep(rng.uniform(0.0, 0.5))
        process.send_signal(signal.SIGKILL)
        process.communicate()
        assert process.returncode == -signal.SIGKILL
        kills += 1
        content = path.read_bytes()
        assert len(content) == 128 * chunk
        assert content in (b"A" * len(content), b"B" * len(content))
        leftovers = list(tmp_path.glob(".big.bin.*.tmp"))
        mid_write += bool(leftovers)
        for leftover in leftovers:
            leftover.unlink()
    assert mid_write, f"none of {kills} kills landed mid-write"
