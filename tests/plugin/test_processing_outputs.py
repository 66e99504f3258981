"""Processing's outputs by the one rule (plugin/staged_outputs.py): what a destination may
replace, through processing.run and qgis_process, where issue 22 saw data lost."""
from __future__ import annotations

import csv
import json
import os

import numpy as np
import pytest

from plugin_helpers import write_raster
from support import run_qgis_process, write_cube


@pytest.fixture
def scene(tmp_path, cube_and_truth):
    cube, _ = cube_and_truth
    return write_cube(tmp_path / "scene.tif", cube)


@pytest.fixture
def labelled(tmp_path):
    """A score raster and its truth (the inputs of hsad:evaluate)."""
    truth = np.zeros((20, 16), np.uint8)
    truth[4:6, 5:7] = 1
    score = np.random.default_rng(3).normal(size=truth.shape).astype(np.float32) + 3 * truth
    return (write_raster(tmp_path / "score.tif", score, metadata={"HSAD_METHOD": "rx"}),
            write_raster(tmp_path / "truth.tif", truth))


def _geopackage(path, *layers):
    from osgeo import ogr
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    for name in layers:
        layer = ds.CreateLayer(name, None, ogr.wkbPoint)
        layer.CreateField(ogr.FieldDefn("note", ogr.OFTString))
    ds = None
    return path


def _refused(algorithm, parameters):
    import processing
    from qgis.core import QgsProcessingException
    with pytest.raises(QgsProcessingException) as raised:
        processing.run(algorithm, parameters)
    message = str(raised.value).strip()
    assert "\n" not in message
    return message


def test_detect_replaces_its_own_output_but_not_a_users_text_file(hsad_plugin, tmp_path, scene):
    import processing
    out = tmp_path / "out.tif"
    for _ in range(2):  # the rerun replaces hsad's own raster and style
        processing.run("hsad:detect", {"INPUT": scene, "METHOD": "rx", "OUTPUT": str(out)})
    assert out.with_suffix(".qml").exists()
    notes = tmp_path / "notes.tif"
    notes.write_text("field notes saved under a raster's name")
    message = _refused("hsad:detect", {"INPUT": scene, "METHOD": "rx", "OUTPUT": str(notes)})
    assert str(notes) in message and "is not a raster" in message
    assert notes.read_text() == "field notes saved under a raster's name"


def test_detect_keeps_a_users_style_beside_its_output(hsad_plugin, tmp_path, scene):
    out = tmp_path / "out.tif"
    write_cube(out, np.ones((4, 4, 1), np.float32))
    mine = tmp_path / "out.qml"
    mine.write_text("<qgis>the user's style</qgis>")
    message = _refused("hsad:detect", {"INPUT": scene, "METHOD": "rx", "OUTPUT": str(out)})
    assert str(mine) in message and "style hsad did not write" in message
    assert mine.read_text() == "<qgis>the user's style</qgis>"


def test_evaluate_never_draws_over_a_file_that_is_not_a_picture(hsad_plugin, tmp_path, labelled):
    score, truth = labelled
    report = tmp_path / "report.png"
    report.write_text("a report someone named .png")
    message = _refused("hsad:evaluate", {"INPUT": [score], "TRUTH": truth,
                                         "OUTPUT": "TEMPORARY_OUTPUT", "ROC_CURVE": str(report)})
    assert str(report) in message and "is not a PNG picture" in message
    assert report.read_text() == "a report someone named .png"


def test_evaluate_writes_its_table_by_the_staging_rule(hsad_plugin, tmp_path, labelled):
    import processing
    from hsad.engine.outputs.ownership import geopackage_layers
    score, truth = labelled
    for name in ("auc.csv", "auc.gpkg", "auc.shp"):
        processing.run("hsad:evaluate", {"INPUT": [score], "TRUTH": truth,
                                         "OUTPUT": str(tmp_path / name)})
    with open(tmp_path / "auc.csv", newline="") as handle:
        assert [r["score_file"] for r in csv.DictReader(handle)] == ["score.tif"]
    assert geopackage_layers(str(tmp_path / "auc.gpkg")) == ["auc"]
    assert (tmp_path / "auc.dbf").exists()  # a table without geometry: the .dbf alone, as QGIS
    assert not [p for p in os.listdir(tmp_path) if "hsad-partial" in p]
    project = _geopackage(tmp_path / "project.gpkg", "roads")
    before = project.read_bytes()
    message = _refused("hsad:evaluate", {"INPUT": [score], "TRUTH": truth,
                                         "OUTPUT": str(project)})
    assert "holding other layers (roads)" in message and project.read_bytes() == before


def test_a_staged_table_loads_from_its_final_name(hsad_plugin, monkeypatch, tmp_path, labelled):
    import processing
    from qgis.core import QgsProject
    # pytest-qgis's iface is a mock; QGIS 3.44 hands its layerTreeView() to C++
    monkeypatch.setattr("processing.gui.Postprocessing.iface", None, raising=False)
    score, truth = labelled
    table = str(tmp_path / "auc.gpkg")
    try:
        processing.runAndLoadResults("hsad:evaluate", {"INPUT": [score], "TRUTH": truth,
                                                       "OUTPUT": table})
        loaded = list(QgsProject.instance().mapLayers().values())
        assert [(layer.name(), layer.source(), layer.featureCount()) for layer in loaded] == \
            [("AUC table", f"{table}|layername=auc", 1)]
    finally:
        QgsProject.instance().removeAllMapLayers()


def test_threshold_objects_never_replace_a_geopackage_of_other_layers(hsad_plugin, tmp_path,
                                                                       labelled):
    score, _ = labelled
    project = _geopackage(tmp_path / "project.gpkg", "roads", "wells")
    before = project.read_bytes()
    message = _refused("hsad:threshold", {"INPUT": score, "RULE": "percentile",
                                          "OBJECTS": str(project)})
    assert str(project) in message and "holding other layers (roads, wells)" in message
    assert project.read_bytes() == before
    assert not [p for p in os.listdir(tmp_path) if "hsad-partial" in p]


def test_detectfolder_leaves_what_hsad_did_not_write_and_lists_what_it_passes_over(
        hsad_plugin, tmp_path, scene):
    import processing
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    out.mkdir()
    os.replace(scene, folder / "scene.tif")
    write_cube(folder / "other.tif", np.random.default_rng(2).normal(size=(20, 16, 5)))
    processing.run("hsad:detect", {"INPUT": str(folder / "scene.tif"), "METHOD": "rx",
                                   "OUTPUT": str(folder / "scored.tif")})
    (out / "scene_rx.tif").write_bytes(b"%PDF-1.7 the user's report")
    (out / "other_rx.qml").write_text("<qgis>the user's style</qgis>")
    result = processing.run("hsad:detectfolder", {"INPUT": str(folder), "METHOD": "rx",
                                                  "OUTPUT": str(out), "OVERWRITE": True})
    assert (result["DONE"], result["SKIPPED"], result["FAILED"]) == (0, 1, 2)
    assert (out / "scene_rx.tif").read_bytes() == b"%PDF-1.7 the user's report"
    assert (out / "other_rx.qml").read_text() == "<qgis>the user's style</qgis>"
    scenes = {s["scene"]: s for s in json.loads((out / "summary.json").read_text())["scenes"]}
    assert "not provably an hsad output" in scenes["scene.tif"]["error"]
    assert "is not a style hsad wrote" in scenes["other.tif"]["error"]
    assert scenes["scored.tif"]["reason"] == "an hsad score raster, not a scene"


# -- the same through qgis_process, where users' scripts and models run them ----------------------


@pytest.mark.qgis_process
def test_qgis_process_keeps_the_truth_the_objects_geopackage_and_a_users_file(
        shared_qgis_process_env, tmp_path, labelled, scene):
    score, truth = labelled
    kept = {truth: open(truth, "rb").read()}
    done = run_qgis_process(["run", "hsad:evaluate", "--", f"INPUT={score}", f"TRUTH={truth}",
                             "OUTPUT=TEMPORARY_OUTPUT", f"ROC_CURVE={truth}"],
                            shared_qgis_process_env)
    assert done.returncode != 0 and "is an input file" in done.stdout + done.stderr
    project = str(_geopackage(tmp_path / "project.gpkg", "roads"))
    kept[project] = open(project, "rb").read()
    done = run_qgis_process(["run", "hsad:threshold", "--", f"INPUT={score}", "RULE=percentile",
                             f"OBJECTS={project}"], shared_qgis_process_env)
    assert done.returncode != 0 and "holding other layers" in done.stdout + done.stderr
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    out.mkdir()
    os.replace(scene, folder / "scene.tif")
    (out / "scene_rx.tif").write_text("the user's notes")
    kept[str(out / "scene_rx.tif")] = b"the user's notes"
    done = run_qgis_process(["--json", "run", "hsad:detectfolder", "--", f"INPUT={folder}",
                             "METHOD=rx", f"OUTPUT={out}"], shared_qgis_process_env)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout[done.stdout.index("{"):])
    assert report["results"]["FAILED"] == 1
    for path, content in kept.items():
        assert open(path, "rb").read() == content, path
