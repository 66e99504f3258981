"""`hsad batch` on Dask: a local cluster on loopback gives the serial run's scores exactly, a
failing scene on a worker is reported like in the serial run, an unreachable scheduler is one line.
(The separate scheduler and worker processes are in test_readme_examples.py, from the README.)"""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
from osgeo import gdal

from support import run_hsad, scene_with_targets, write_cube


def _scores(path):
    ds = gdal.Open(str(path))
    return ds.GetRasterBand(1).ReadAsArray()


@pytest.mark.slow
def test_local_cluster_equals_serial_and_reports_a_failing_scene(tmp_path):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    for i, name in enumerate(["a.bsq", "b.tif", "sub/c.bsq"]):
        cube, _ = scene_with_targets(rows=30, cols=26, bands=14, seed=i, targets=((3, 3), (25, 20)))
        write_cube(src / name, cube, driver="GTiff" if name.endswith(".tif") else "ENVI")
    (src / "sub" / "broken.bsq").write_bytes(b"\0" * 64)
    common = [src, "--method", "lrx", "--inner", "3", "--outer", "9", "--recursive",
              "--pattern", "*.*", "--json", "-"]
    serial = run_hsad(["batch", "-o", tmp_path / "serial"] + common)
    parallel = run_hsad(["batch", "-o", tmp_path / "dask", "--workers", "2"] + common)
    assert serial.returncode == parallel.returncode == 1, parallel.stderr
    report = json.loads(parallel.stdout)
    assert report["workers"] == "local dask cluster of 2 workers"
    status = {s["scene"]: s["status"] for s in report["scenes"]}
    assert status == {"a.bsq": "done", "b.tif": "done", "sub/c.bsq": "done",
                      "sub/broken.bsq": "failed"}
    for name in ("a_lrx.tif", "b_lrx.tif", os.path.join("sub", "c_lrx.tif")):
        np.testing.assert_array_equal(_scores(tmp_path / "dask" / name),
                                      _scores(tmp_path / "serial" / name))
    errors = {s["scene"]: s["error"] for s in json.loads(serial.stdout)["scenes"]}
    assert {s["scene"]: s["error"] for s in report["scenes"]} == errors


def test_unreachable_scheduler_is_a_one_line_error(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    cube, _ = scene_with_targets(rows=20, cols=20, bands=8, targets=((3, 3),))
    write_cube(src / "a.bsq", cube, driver="ENVI")
    env = dict(os.environ, DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="1s")
    done = run_hsad(["batch", src, "-o", tmp_path / "out", "--method", "rx",
                     "--scheduler", "tcp://127.0.0.1:9"], env=env, timeout=60)
    assert done.returncode == 2
    assert "cannot reach the Dask scheduler" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()
