"""hsad:threshold and hsad:evaluate through qgis_process --json, help, and Ctrl-C mid-run."""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import time

import numpy as np
import pytest

from plugin_helpers import write_raster
from support import QGIS_PROCESS, run_qgis_process, write_cube

pytestmark = pytest.mark.qgis_process


def run_json(args, env):
    done = run_qgis_process(["--json", "run"] + args, env)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    return json.loads(done.stdout[done.stdout.index("{"):])


def test_every_algorithm_is_listed_and_help_is_plain_text(shared_qgis_process_env):
    listing = run_qgis_process(["list"], shared_qgis_process_env).stdout
    assert {"hsad:detect", "hsad:detectfolder", "hsad:threshold", "hsad:evaluate"} <= \
        set(listing.split())
    done = run_qgis_process(["help", "hsad:threshold"], shared_qgis_process_env)
    assert done.returncode == 0, done.stderr
    assert "Rule: Automatic" in done.stdout and "Anomaly objects: " in done.stdout
    assert "<p>" not in done.stdout and "<b>" not in done.stdout


def test_threshold_json_run_writes_georeferenced_mask_and_objects(shared_qgis_process_env,
                                                                  tmp_path, score_raster):
    import rasterio
    from osgeo import ogr
    path, scores = score_raster
    mask, objects = tmp_path / "mask.tif", tmp_path / "objects.gpkg"
    report = run_json(["hsad:threshold", "--", f"INPUT={path}", "RULE=2", "VALUE=35",
                       f"MASK={mask}", f"OBJECTS={objects}"], shared_qgis_process_env)
    results = report["results"]
    assert results["OBJECT_COUNT"] == 3 and results["THRESHOLD"] == 35.0
    assert results["MASK"] == str(mask) and results["OBJECTS"] == str(objects)
    assert any(line.startswith("hsad ") for line in report["log"]["info"])
    with rasterio.open(mask) as out, rasterio.open(path) as score:
        assert out.crs == score.crs and out.transform == score.transform
        assert out.nodata == 255
        np.testing.assert_array_equal(out.read(1) == 1, np.nan_to_num(scores) >= 35.0)
    ds = ogr.Open(str(objects))
    assert sorted(f["pixels"] for f in ds.GetLayer(0)) == [1, 3, 6]
    ds = None


def test_evaluate_json_run_writes_a_table_and_a_plot(shared_qgis_process_env, tmp_path,
                                                     score_raster):
    path, scores = score_raster
    truth = np.zeros(scores.shape, np.uint8)
    truth[10:12, 20:23] = 1  # the 100-block: a perfect detection
    truth_path = write_raster(tmp_path / "truth.tif", truth)
    table, plot = tmp_path / "auc.csv", tmp_path / "roc.png"
    report = run_json(["hsad:evaluate", "--", f"INPUT={path}", f"TRUTH={truth_path}",
                       f"OUTPUT={table}", f"ROC_CURVE={plot}"], shared_qgis_process_env)
    assert report["results"]["AUC_ROC"] == 1.0
    with open(table, newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert float(row["auc_roc"]) == 1.0 and row["method"] == "rx"
    assert plot.stat().st_size > 1000


def test_ctrl_c_mid_run_stops_and_leaves_no_output(shared_qgis_process_env, tmp_path):
    """qgis_process turns SIGINT into Cancel; the run stops and writes nothing."""
    rng = np.random.default_rng(0)
    src = write_cube(tmp_path / "big.tif", rng.normal(size=(240, 240, 16)).astype(np.float32))
    out = tmp_path / "score.tif"
    process = subprocess.Popen(
        [QGIS_PROCESS, "run", "hsad:detect", "--", f"INPUT={src}", "METHOD=2",
         "INNER_WINDOW=3", "OUTER_WINDOW=15", "TILE_SIZE=32", f"OUTPUT={out}"],
        env=shared_qgis_process_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not [p for p in os.listdir(tmp_path) if "hsad-partial" in p]:
            assert process.poll() is None, process.stdout.read()
            assert time.monotonic() < deadline, "the run never started writing"
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert "Cancelled" in output
    assert not out.exists()
    assert not [p for p in os.listdir(tmp_path) if p.startswith(("score", ".score"))]
