"""`hsad threshold` and `hsad batch --threshold`: the same rule and files as Processing's
'Anomaly mask and objects', from the command line."""
from __future__ import annotations

import json

import numpy as np
import pytest

from support import run_hsad, scene_with_targets, utm_wkt, write_cube

GEOTRANSFORM = (500000.0, 2.0, 0.0, 4100000.0, 0.0, -2.0)


def write_scores(path, scores: np.ndarray) -> str:
    from osgeo import gdal
    gdal.UseExceptions()
    ds = gdal.GetDriverByName("GTiff").Create(str(path), scores.shape[1], scores.shape[0], 1,
                                              gdal.GDT_Float32)
    ds.SetProjection(utm_wkt(32633))
    ds.SetGeoTransform(list(GEOTRANSFORM))
    ds.GetRasterBand(1).WriteArray(scores)
    ds = None
    return str(path)


@pytest.fixture
def two_targets(tmp_path):
    """A 100 x 100 score map: noise 0-10 and two 3 x 4 targets, brighter at their centre."""
    rng = np.random.default_rng(4)
    scores = rng.uniform(0.0, 10.0, size=(100, 100)).astype(np.float32)
    for row, col in ((20, 30), (70, 60)):
        scores[row:row + 3, col:col + 4] = 40.0
        scores[row + 1, col + 1:col + 3] = 60.0
    return write_scores(tmp_path / "score.tif", scores), scores


def read_mask(path) -> np.ndarray:
    import rasterio
    with rasterio.open(path) as ds:
        return ds.read(1)


def test_threshold_writes_the_mask_and_objects_processing_writes(tmp_path, two_targets):
    from hsad.engine.threshold import ThresholdRule, threshold_score_raster
    score, _ = two_targets
    done = run_hsad(["threshold", score, "-o", tmp_path / "mask.tif", "--objects",
                     tmp_path / "objects.gpkg", "--rate", "0.003", "--json", "-", "-q"])
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["anomaly_pixels"] <= 30 and len(report["objects"]) == 2
    assert report["threshold"] == 60.0 and report["low_threshold"] <= 40.0
    mask = read_mask(tmp_path / "mask.tif")
    assert (mask[20:23, 30:34] == 1).all() and (mask[70:73, 60:64] == 1).all()
    # the engine function Processing calls gives the same mask and objects
    engine = threshold_score_raster(score, str(tmp_path / "engine.tif"), None,
                                    ThresholdRule(false_alarm_rate=0.003))
    np.testing.assert_array_equal(read_mask(tmp_path / "engine.tif"), mask)
    assert [o.as_dict() for o in engine.objects] == report["objects"]
    assert (tmp_path / "mask.qml").exists() and (tmp_path / "objects.qml").exists()


def test_threshold_rules_and_refusals(tmp_path, two_targets):
    score, scores = two_targets
    done = run_hsad(["threshold", score, "-o", tmp_path / "v.tif", "--rule", "value",
                     "--value", "50", "-q"])
    assert done.returncode == 0, done.stderr
    np.testing.assert_array_equal(read_mask(tmp_path / "v.tif") == 1, scores >= 50)
    for args, message in (([], "give the mask (-o MASK), the objects (--objects FILE) or both"),
                          (["-o", tmp_path / "v.tif"], "already exists"),
                          (["-o", tmp_path / "s.tif", "--seed-share", "0"], "seed share"),
                          (["-o", tmp_path / "x.tif", "--rule", "value"], "needs a finite")):
        done = run_hsad(["threshold", score] + args)
        assert done.returncode == 2 and message in done.stderr, done.stderr
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "s.tif").exists() and not (tmp_path / "x.tif").exists()


def test_batch_threshold_writes_mask_and_objects_beside_each_score(tmp_path):
    flights = tmp_path / "flights"
    flights.mkdir()
    for i in range(2):
        cube, _ = scene_with_targets(rows=30, cols=26, bands=12, seed=i,
                                     targets=((4, 5), (20, 17)))
        write_cube(flights / f"scene{i}.bsq", cube, driver="ENVI")
    out = tmp_path / "scores"
    done = run_hsad(["batch", flights, "-o", out, "--method", "rx", "--threshold", "--rate",
                     "0.01", "-q"])
    assert done.returncode == 0, done.stderr
    summary = json.load(open(out / "summary.json"))
    for scene in summary["scenes"]:
        assert scene["status"] == "done" and scene["threshold"]["object_count"] >= 1
        stem = scene["output"][:-4]
        assert (out / f"{stem}_mask.tif").exists() and (out / f"{stem}_objects.gpkg").exists()
        assert scene["threshold"]["rule"].startswith("false-alarm rate 0.01")
    # a rerun keeps complete scores and their masks; a missing mask is written again
    (out / "scene0_rx_mask.tif").unlink()
    done = run_hsad(["batch", flights, "-o", out, "--method", "rx", "--threshold", "-q"])
    assert done.returncode == 0, done.stderr
    scenes = {s["scene"]: s for s in json.load(open(out / "summary.json"))["scenes"]}
    assert scenes["scene0.bsq"]["status"] == "skipped" and (out / "scene0_rx_mask.tif").exists()
    assert scenes["scene1.bsq"]["threshold"].get("kept") is True
    # the masks are never taken for scenes
    assert sorted(scenes) == ["scene0.bsq", "scene1.bsq"]
