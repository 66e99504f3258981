"""hsad:threshold, hsad:evaluate and hsad:detect on a MATLAB scene through qgis_process --json,
and plain-text help."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from plugin_helpers import write_raster
from support import run_qgis_process

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
    assert "Rule: How scores become anomalies. False-alarm rate (far, default): " in done.stdout
    assert "Anomaly objects: " in done.stdout and "False-alarm rate: Used by the far rule" in done.stdout
    assert "<p>" not in done.stdout and "<b>" not in done.stdout


def test_threshold_json_run_writes_georeferenced_mask_and_objects(shared_qgis_process_env,
                                                                  tmp_path, score_raster):
    import rasterio
    from osgeo import ogr
    path, scores = score_raster
    mask, objects = tmp_path / "mask.tif", tmp_path / "objects.gpkg"
    report = run_json(["hsad:threshold", "--", f"INPUT={path}", "RULE=value", "VALUE=35",
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


def test_detect_takes_a_matlab_scene_and_a_method_by_name(shared_qgis_process_env, tmp_path):
    """The README's .mat scenes work in QGIS too (QGIS alone says 'not found': it cannot load
    them as layers), and METHOD takes the name scripts use, not only the list's label."""
    import scipy.io
    import rasterio
    from support import scene_with_targets
    cube, truth = scene_with_targets(rows=30, cols=26, bands=14, targets=((4, 5), (20, 17)))
    scene = tmp_path / "scene.mat"
    scipy.io.savemat(scene, {"data": cube, "map": truth.astype(np.uint8)})
    out = tmp_path / "score.tif"
    report = run_json(["hsad:detect", "--", f"INPUT={scene}", "METHOD=rx", f"OUTPUT={out}"],
                      shared_qgis_process_env)
    assert report["results"]["OUTPUT"] == str(out)
    with rasterio.open(out) as ds:
        scores = ds.read(1)
    assert scores.shape == (30, 26)
    assert np.unravel_index(np.argmax(scores), scores.shape) in ((4, 5), (20, 17))
