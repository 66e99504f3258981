"""Interrupted runs: no half file at any output name, and the next run cleans up after a kill.

SIGINT and SIGKILL in the middle of a batch, and Processing's Cancel, are tested beside the
batch command and the algorithms (tests/engine/cli/test_batch_command.py,
tests/plugin/test_detectfolder_algorithm.py); here: SIGTERM in the middle of a batch, and
SIGKILL while the pretrained detector holds its on-disk feature cache.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time

import numpy as np
import pytest

from support import hsad_command, run_hsad, scene_with_targets, write_cube

SLOW = ["--method", "lrx", "--inner", "3", "--outer", "11"]  # about a second per scene


def _start(args, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(hsad_command() + [str(a) for a in args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def _wait_until(condition, process, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.01)


def _complete(path) -> bool:
    """Every block decodes and every pixel is a score (these scenes have no nodata)."""
    from osgeo import gdal
    gdal.UseExceptions()
    ds = gdal.Open(str(path))
    values = ds.GetRasterBand(1).ReadAsArray()
    return bool(np.isfinite(values).all() and (values != -9999).all())


@pytest.mark.slow
def test_sigterm_mid_batch_exits_130_and_leaves_only_complete_outputs(tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    for seed in range(5):
        cube, _ = scene_with_targets(rows=300, cols=240, bands=16, seed=seed)
        write_cube(folder / f"s{seed}.tif", cube)
    args = ["batch", folder, "-o", out] + SLOW
    process = _start(args)
    _wait_until(lambda: out.exists() and any(p.suffix == ".tif" and not p.name.startswith(".")
                                             for p in out.iterdir()), process)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # no partial, no lock
    scores = sorted(p for p in out.iterdir() if p.suffix == ".tif")
    assert 1 <= len(scores) < 5 and all(_complete(p) for p in scores)
    rerun = run_hsad(args + ["-q"])
    assert rerun.returncode == 0, rerun.stderr
    assert len([p for p in out.iterdir() if p.suffix == ".tif"]) == 5


def _feature_cache_open(pid: int) -> bool:
    """Whether process ``pid`` holds its (already unlinked) feature cache open."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if "hsad-features-" in os.readlink(f"/proc/{pid}/fd/{fd}"):
                return True
        except OSError:
            continue
    return False


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_kill_9_while_features_are_cached_leaves_no_cache_and_the_rerun_cleans_up(tmp_path):
    cube, _ = scene_with_targets(rows=900, cols=400, bands=16, seed=3)
    scene = write_cube(tmp_path / "scene.tif", cube)
    cache, target = tmp_path / "tmp", tmp_path / "out" / "score.tif"
    cache.mkdir()
    args = ["detect", scene, "-o", target, "--method", "twobranch", "--device", "cpu",
            "--tile-size", "64", "-q"]
    env = dict(os.environ, TMPDIR=str(cache), HSAD_MEMORY_BUDGET_MIB="0")  # features on disk
    process = _start(args, env=env)
    _wait_until(lambda: _feature_cache_open(process.pid), process)
    process.kill()
    process.wait(timeout=60)
    assert os.listdir(cache) == []  # the cache was unlinked when opened: nothing to remove
    assert not target.exists()
    left = [p.name for p in target.parent.iterdir()]
    assert left and all(".hsad-partial-" in name for name in left)  # only the temporary file
    rerun = run_hsad(args, env=env)
    assert rerun.returncode == 0, rerun.stderr
    assert sorted(p.name for p in target.parent.iterdir()) == ["score.qml", "score.tif"]
    assert _complete(target) and os.listdir(cache) == []
