"""hsad:detectfolder: every scene scored, failures reported, summary, resume, load, cancel."""
from __future__ import annotations

import csv
import json
import os

import numpy as np
import pytest
from qgis.core import QgsProcessingFeedback

from support import run_qgis_process, write_cube


@pytest.fixture
def scene_folder(tmp_path, cube_and_truth):
    """in/harbour.tif, in/flights/ridge.bsq (ENVI, another grid), in/notes.tif (not a raster)."""
    cube, _ = cube_and_truth
    folder = tmp_path / "in"
    (folder / "flights").mkdir(parents=True)
    write_cube(folder / "harbour.tif", cube)
    write_cube(folder / "flights" / "ridge.bsq", cube[:30, :20], driver="ENVI",
               geotransform=(200000.0, 4.0, 0.0, 7000000.0, 0.0, -4.0))
    (folder / "notes.tif").write_text("not a raster")
    return folder


def read_summary(folder):
    with open(folder / "summary.csv", newline="") as handle:
        return {row["scene"]: row for row in csv.DictReader(handle)}


def test_scores_every_scene_reports_the_failure_and_goes_on(hsad_plugin, tmp_path, scene_folder):
    import processing
    import rasterio
    out = tmp_path / "scores"
    result = processing.run("hsad:detectfolder", {"INPUT": str(scene_folder), "PATTERN": "*.*",
                                                  "RECURSIVE": True, "METHOD": "rx",
                                                  "OUTPUT": str(out)})
    assert (result["DONE"], result["SKIPPED"], result["FAILED"]) == (2, 0, 1)
    assert result["SUMMARY"] == str(out / "summary.csv")
    rows = read_summary(out)
    assert rows["harbour.tif"]["status"] == "done" and rows["flights/ridge.bsq"]["status"] == "done"
    assert rows["notes.tif"]["status"] == "failed" and "notes.tif" in rows["notes.tif"]["error"]
    assert float(rows["harbour.tif"]["seconds"]) > 0 and int(rows["harbour.tif"]["valid_pixels"])
    ridge = (scene_folder / "flights" / "ridge.bsq", out / "flights" / "ridge_rx.tif")
    for scene, score in ((scene_folder / "harbour.tif", out / "harbour_rx.tif"), ridge):
        with rasterio.open(score) as s, rasterio.open(scene) as c:
            assert s.crs == c.crs and s.transform == c.transform and s.shape == c.shape
        assert score.with_suffix(".qml").exists()
    assert json.loads((out / "summary.json").read_text())["counts"]["failed"] == 1


def test_rerun_skips_complete_scores(hsad_plugin, tmp_path, scene_folder):
    import processing
    out = tmp_path / "scores"
    params = {"INPUT": str(scene_folder), "PATTERN": "*.tif", "METHOD": "rx", "OUTPUT": str(out)}
    processing.run("hsad:detectfolder", {**params, "PATTERN": "harbour.tif"})
    first = (out / "harbour_rx.tif").stat().st_mtime_ns
    result = processing.run("hsad:detectfolder", params)
    assert (result["DONE"], result["SKIPPED"], result["FAILED"]) == (0, 1, 1)
    assert (out / "harbour_rx.tif").stat().st_mtime_ns == first


def test_scores_and_summary_load_into_the_project(monkeypatch, hsad_plugin, tmp_path, scene_folder):
    import processing
    from processing.gui.Postprocessing import handleAlgorithmResults
    # pytest-qgis's iface is a mock; QGIS 3.44 hands its layerTreeView() to C++
    monkeypatch.setattr("processing.gui.Postprocessing.iface", None, raising=False)
    from qgis.core import QgsApplication, QgsProcessingContext, QgsProject
    project = QgsProject.instance()
    context = QgsProcessingContext()
    context.setProject(project)
    feedback = QgsProcessingFeedback()
    alg = QgsApplication.processingRegistry().algorithmById("hsad:detectfolder")
    processing.run(alg, {"INPUT": str(scene_folder), "RECURSIVE": True, "METHOD": "rx",
                         "OUTPUT": str(tmp_path / "scores")}, context=context, feedback=feedback,
                   onFinish=lambda *a: None)
    try:
        assert handleAlgorithmResults(alg, context, feedback)
        layers = {layer.name(): layer for layer in project.mapLayers().values()}
        for name in ("score · rx · harbour", "score · rx · ridge"):
            assert layers[name].renderer().type() == "singlebandpseudocolor"
        table = layers["scores batch summary"]
        assert table.featureCount() == 3  # a .tif GDAL cannot read is reported, never left out
    finally:
        project.removeAllMapLayers()


def test_cancel_keeps_finished_scenes_and_writes_nothing_half_done(hsad_plugin, tmp_path):
    import processing
    from qgis.core import QgsProcessingException
    rng = np.random.default_rng(4)
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a", "b", "c"):
        write_cube(folder / f"{name}.tif", rng.normal(size=(96, 64, 8)).astype(np.float32))
    feedback = QgsProcessingFeedback()
    feedback.progressChanged.connect(lambda p: feedback.cancel() if p >= 50.0 else None)
    out = tmp_path / "scores"
    with pytest.raises(QgsProcessingException, match="Cancelled"):
        processing.run("hsad:detectfolder", {"INPUT": str(folder), "METHOD": "rx", "TILE_SIZE": 32,
                                             "OUTPUT": str(out)}, feedback=feedback)
    assert (out / "a_rx.tif").exists()  # finished before the cancel
    assert not (out / "b_rx.tif").exists() and not (out / "c_rx.tif").exists()
    assert not [p for p in os.listdir(out) if "partial" in p]
    rows = read_summary(out)
    assert rows["a.tif"]["status"] == "done" and rows["c.tif"]["status"] == "cancelled"


def test_empty_folder_is_refused_in_one_line(hsad_plugin, tmp_path):
    import processing
    from qgis.core import QgsProcessingException
    (tmp_path / "empty").mkdir()
    with pytest.raises(QgsProcessingException, match="no scene found"):
        processing.run("hsad:detectfolder", {"INPUT": str(tmp_path / "empty"), "METHOD": "rx",
                                             "OUTPUT": str(tmp_path / "scores")})


def test_unusable_local_rx_windows_are_refused_before_any_scene(hsad_plugin, tmp_path,
                                                                scene_folder):
    import processing
    from qgis.core import QgsProcessingException
    with pytest.raises(QgsProcessingException, match="inner window .9. must be smaller"):
        processing.run("hsad:detectfolder", {"INPUT": str(scene_folder), "METHOD": "lrx",
                                             "INNER_WINDOW": 9, "OUTER_WINDOW": 5,
                                             "OUTPUT": str(tmp_path / "scores")})
    assert not (tmp_path / "scores").exists()


@pytest.mark.qgis_process
def test_qgis_process_json_run(shared_qgis_process_env, tmp_path, scene_folder):
    out = tmp_path / "scores"
    done = run_qgis_process(["--json", "run", "hsad:detectfolder", "--",
                             f"INPUT={scene_folder}", "PATTERN=*.tif", "METHOD=rx",
                             f"OUTPUT={out}"], shared_qgis_process_env)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    report = json.loads(done.stdout[done.stdout.index("{"):])
    results = report["results"]
    assert (results["DONE"], results["FAILED"]) == (1, 1)
    assert results["SUMMARY"] == str(out / "summary.csv")
    assert set(read_summary(out)) == {"harbour.tif", "notes.tif"}
