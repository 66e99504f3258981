"""`hsad evaluate` on MATLAB scenes and on GeoTIFF/ENVI scenes with a ground-truth raster."""
from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.io

from hsad.engine.metrics import auc_roc
from support import REAL_DIR, needs_real_data, run_hsad, write_cube


def _textbook_rx_auc(cube, truth):
    x = cube.reshape(-1, cube.shape[2]).astype(np.float64)
    d = x - x.mean(axis=0)
    scores = np.einsum("ij,jk,ik->i", d, np.linalg.pinv(np.cov(x, rowvar=False)), d)
    return auc_roc(scores, truth.ravel())


def test_mat_scene_json_to_stdout(tmp_path, cube_and_truth):
    cube, truth = cube_and_truth
    cube = cube + np.random.default_rng(5).normal(scale=40, size=cube.shape)  # make it imperfect
    scipy.io.savemat(tmp_path / "lab.mat", {"hsi": cube, "hsi_gt": truth.astype(np.uint8)})
    done = run_hsad(["evaluate", tmp_path / "lab.mat", "--method", "rx", "--method", "lrx",
                     "--inner", "3", "--outer", "9", "--json", "-"])
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    rows = {r["method"]: r for r in report["scenes"]}
    assert set(rows) == {"rx", "lrx"}
    assert rows["rx"]["auc_roc"] == pytest.approx(_textbook_rx_auc(cube, truth), abs=1e-6)
    for key in ("scene", "auc_roc", "auc_pf_tau", "auc_pd_tau", "snpr", "seconds"):
        assert key in rows["lrx"]
    assert report["mean_auc_roc"]["rx"] == rows["rx"]["auc_roc"]
    from hsad.engine.metrics import operating_points
    from hsad.engine.scoring import score_cube
    from hsad.engine.methods import create_detector
    scores = score_cube(cube.astype(np.float32), create_detector("rx"))
    expected = [p.as_dict() for p in operating_points(scores, truth.astype(bool))]
    found = rows["rx"]["operating_points"]
    assert [p["false_alarm_rate"] for p in found] == [0.001, 0.01]
    for got, want in zip(found, expected):
        assert (got["objects_found"], got["objects"]) == (want["objects_found"], want["objects"])
        assert got["pixels_found"] == pytest.approx(want["pixels_found"])
    assert 0 < rows["rx"]["partial_auc"] <= 1
    assert report["mean_operating_points"]["rx"]["object_share_at_0.001"] == \
        pytest.approx(found[0]["objects_found"] / found[0]["objects"])


@pytest.mark.parametrize("driver, name", [("GTiff", "scene.tif"), ("ENVI", "scene.bsq")])
def test_raster_with_truth_raster_and_plots(tmp_path, cube_and_truth, driver, name):
    cube, truth = cube_and_truth
    scene = write_cube(tmp_path / name, cube, driver=driver)
    gt = write_cube(tmp_path / "truth.tif", truth[:, :, None].astype(np.uint8), dtype="uint8")
    out = tmp_path / "result.json"
    done = run_hsad(["evaluate", scene, "--truth", gt, "--method", "rx", "--json", out,
                     "--plot", tmp_path / "roc"])
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert report["scenes"][0]["auc_roc"] == pytest.approx(_textbook_rx_auc(cube, truth), abs=1e-6)
    assert "mean AUC rx" in done.stdout
    png = tmp_path / "roc" / (name.split(".")[0] + "_roc.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_truth_of_another_size_is_refused(tmp_path, cube_and_truth):
    cube, truth = cube_and_truth
    scene = write_cube(tmp_path / "scene.tif", cube)
    gt = write_cube(tmp_path / "truth.tif", truth[:-1, :, None].astype(np.uint8), dtype="uint8")
    done = run_hsad(["evaluate", scene, "--truth", gt, "--method", "rx"])
    assert done.returncode == 2
    assert "ground truth is 39 x 36 pixels" in done.stderr


def test_raster_without_truth_is_refused(tmp_path, cube_and_truth):
    scene = write_cube(tmp_path / "scene.tif", cube_and_truth[0])
    done = run_hsad(["evaluate", scene, "--method", "rx"])
    assert done.returncode == 2 and "--truth" in done.stderr


@needs_real_data()
def test_real_mat_scene_matches_manifest():
    manifest = json.loads((REAL_DIR / "manifest.json").read_text())
    entry = next(e for e in manifest["scenes"] if e["file"] == "abu-airport-2.mat")
    done = run_hsad(["evaluate", REAL_DIR / entry["file"], "--method", "rx", "--json", "-"])
    assert done.returncode == 0, done.stderr
    assert round(json.loads(done.stdout)["scenes"][0]["auc_roc"], 4) == entry["global_rx_auc"]
