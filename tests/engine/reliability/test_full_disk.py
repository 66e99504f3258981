"""A full disk never leaves a half file at an output's name, nor loses the file it replaces.

Outputs go to a 256 KB tmpfs (``mount -t tmpfs`` needs root, as CI runs; elsewhere these tests
skip). Every failure is one line saying the disk is full, and the disk holds afterwards exactly
what it held before.
"""
from __future__ import annotations

import os
import subprocess
import uuid

import numpy as np
import pytest

from harness import run_in_process, snapshot
from support import write_cube

TMPFS_SIZE = "256k"


@pytest.fixture
def small_disk(tmp_path):
    """A mounted 256 KB file system, unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs",
                           str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def big_scene(tmp_path):
    """A scene whose scores (about 600 KB) cannot fit on the small disk."""
    rng = np.random.default_rng(0)
    return write_cube(tmp_path / "big.tif", rng.normal(size=(400, 400, 8)).astype(np.float32))


def _one_line(outcome, path: str) -> str:
    lines = [line for line in outcome.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in outcome.stderr, outcome.stderr
    assert path in lines[0] and "no space left on the device" in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("name", ["out.tif", "new/deep/out.img"])
def test_a_score_that_does_not_fit_leaves_nothing(small_disk, big_scene, capfd, name):
    before, source = snapshot(small_disk), snapshot(os.path.dirname(big_scene))
    target = small_disk / name
    outcome = run_in_process(["detect", big_scene, "-o", target, "--method", "rx"], capfd)
    assert outcome.code == 2
    _one_line(outcome, str(target))
    assert snapshot(small_disk) == before  # no half file, no temporary file, no new folder
    assert snapshot(os.path.dirname(big_scene)) == source


def test_overwrite_on_a_full_disk_keeps_the_old_output(small_disk, big_scene, tmp_path, capfd):
    small = write_cube(tmp_path / "small.tif", np.random.default_rng(1).normal(
        size=(20, 20, 8)).astype(np.float32))
    target = small_disk / "out.tif"
    assert run_in_process(["detect", small, "-o", target, "--method", "rx", "-q"],
                          capfd).code == 0
    kept = snapshot(small_disk)
    outcome = run_in_process(["detect", big_scene, "-o", target, "--method", "rx",
                              "--overwrite"], capfd)
    assert outcome.code == 2
    _one_line(outcome, str(target))
    assert snapshot(small_disk) == kept  # the earlier score and its style, byte for byte


def test_json_on_a_full_disk(small_disk, big_scene, capfd):
    filler = small_disk / "filler"
    with open(filler, "wb", buffering=0) as handle:  # fill the disk to its last block
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError:
            pass
    before = snapshot(small_disk)
    target = small_disk / "info.json"
    outcome = run_in_process(["info", big_scene, "--json", target], capfd)
    assert outcome.code == 2
    _one_line(outcome, str(target))
    assert snapshot(small_disk) == before


def test_a_batch_on_a_full_disk_reports_each_scene_and_leaves_no_half_file(
        small_disk, big_scene, tmp_path, capfd):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.tif", "b.tif"):
        os.link(big_scene, folder / name)
    out = small_disk / "out"
    outcome = run_in_process(["batch", folder, "-o", out, "--method", "rx", "-q"], capfd)
    assert outcome.code == 1 and "Traceback" not in outcome.stderr
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 2 and all("no space left on the device" in line for line in lines)
    assert sorted(os.listdir(out)) == ["summary.csv", "summary.json"]  # no score, no partial
