"""hsad:target through processing.run and qgis_process: objects, points, features, libraries."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from support import run_qgis_process

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine" / "methods" / "target"))
from target_helpers import (MORE, OBJECT, material, pixel_point, write_csv_library,  # noqa: E402
                            write_scene, write_sli)
from test_sources import objects_layer  # noqa: E402

PLACES = {tuple(p) for p in OBJECT} | {(r, c) for r, c, _ in MORE}


def run_target(parameters):
    import processing
    return processing.run("hsad:target", parameters)


def _scores(path):
    import rasterio
    with rasterio.open(path) as ds:
        return ds.read(1, masked=True), ds.crs, ds.transform, ds.tags()


def _top(scores, count=len(PLACES)):
    order = np.argsort(scores.filled(-np.inf).ravel())[::-1][:count]
    return {tuple(int(v) for v in np.unravel_index(i, scores.shape)) for i in order}


def test_from_an_objects_layer_of_the_threshold(hsad_plugin, tmp_path, monkeypatch):
    import processing
    from processing.gui.Postprocessing import handleAlgorithmResults
    from qgis.core import (QgsApplication, QgsProcessingContext, QgsProcessingFeedback,
                           QgsProcessingOutputLayerDefinition, QgsProject)
    monkeypatch.setattr("processing.gui.Postprocessing.iface", None, raising=False)
    path, cube = write_scene(tmp_path)
    objects = objects_layer(tmp_path, path)
    project = QgsProject.instance()
    context = QgsProcessingContext()
    context.setProject(project)
    feedback = QgsProcessingFeedback()
    alg = QgsApplication.processingRegistry().algorithmById("hsad:target")
    result = processing.run(alg, {"INPUT": path, "OBJECTS": objects, "OBJECT_ID": 1,
                                  "METHOD": "ace", "OUTPUT": QgsProcessingOutputLayerDefinition(
                                      str(tmp_path / "like1.tif"), project)},
                            context=context, feedback=feedback, onFinish=lambda *a: None)
    scores, crs, transform, tags = _scores(result["OUTPUT"])
    assert crs.to_epsg() == 32633 and scores.shape == cube.shape[:2]
    assert _top(scores) == PLACES
    target = json.loads(tags["HSAD_PARAMETERS"])["target"]
    assert target["description"] == "mean of the 4 pixels of object 1 of objects" and \
        target["pixels"] == 4
    try:
        assert handleAlgorithmResults(alg, context, feedback)
        (layer,) = project.mapLayers().values()
        assert layer.name() == "target · ace · scene"
        assert "Target: mean of the 4 pixels of object 1" in layer.metadata().abstract()
        assert layer.renderer().type() == "singlebandpseudocolor"  # the score style
    finally:
        project.removeAllMapLayers()


def test_from_a_point_and_from_a_point_layer_in_another_crs(hsad_plugin, tmp_path):
    from qgis.core import (QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsFeature,
                           QgsGeometry, QgsPointXY, QgsProject, QgsVectorLayer)
    path, cube = write_scene(tmp_path)
    x, y = 500000.0 + 30 * 10.5, 4100000.0 - 30 * 11.5  # pixel (11, 10) of the object
    result = run_target({"INPUT": path, "POINT": f"{x},{y} [EPSG:32633]", "METHOD": "mf",
                         "OUTPUT": str(tmp_path / "point.tif")})
    scores = _scores(result["OUTPUT"])[0]
    assert scores[11, 10] == pytest.approx(1.0, abs=1e-5)
    # a scratch layer of points in WGS 84, drawn on the object's pixels
    layer = QgsVectorLayer("Point?crs=EPSG:4326", "digitised", "memory")
    to_wgs84 = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:32633"),
                                      QgsCoordinateReferenceSystem("EPSG:4326"),
                                      QgsProject.instance())
    features = []
    for r, c in OBJECT[:2]:
        point = to_wgs84.transform(QgsPointXY(500000.0 + 30 * (c + 0.5),
                                              4100000.0 - 30 * (r + 0.5)))
        feature = QgsFeature()
        feature.setGeometry(QgsGeometry.fromPointXY(point))
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    result = run_target({"INPUT": path, "FEATURES": layer, "METHOD": "cem",
                         "OUTPUT": str(tmp_path / "layer.tif")})
    scores, *_, tags = _scores(result["OUTPUT"])
    target = json.loads(tags["HSAD_PARAMETERS"])["target"]
    assert target["pixels"] == 2 and "the 2 feature(s) of digitised" in target["description"]
    expected = np.mean([cube[r, c] for r, c in OBJECT[:2]], axis=0)
    np.testing.assert_allclose(target["values"], expected, rtol=1e-5)
    assert _top(scores) == PLACES


def test_from_a_csv_and_an_envi_library(hsad_plugin, tmp_path):
    path, _ = write_scene(tmp_path)
    nm = np.arange(400.0, 2451.0, 2.0)
    csv = write_csv_library(tmp_path / "lib.csv", nm, {"grass": nm * 0 + 0.2,
                                                       "paint": material(nm) / 10000})
    sli = write_sli(tmp_path / "lib.sli", nm / 1000.0, {"paint": material(nm)})
    for library, extra in ((csv, {"SPECTRUM_NAME": "paint", "SCALE": 10000.0}), (sli, {})):
        out = str(tmp_path / f"{Path(library).suffix[1:]}.tif")
        result = run_target({"INPUT": path, "LIBRARY": library, "OUTPUT": out, **extra})
        assert _top(_scores(result["OUTPUT"])[0]) == PLACES


def test_exactly_one_target_and_one_line_errors(hsad_plugin, tmp_path):
    from qgis.core import QgsApplication, QgsProcessingContext, QgsProcessingException
    path, _ = write_scene(tmp_path)
    alg = QgsApplication.processingRegistry().algorithmById("hsad:target")
    context = QgsProcessingContext()
    ok, message = alg.checkParameterValues({"INPUT": path, "OUTPUT": "x.tif"}, context)
    assert not ok and "Give exactly one target" in message
    ok, message = alg.checkParameterValues({"INPUT": path, "LIBRARY": "a.csv",
                                            "POINT": "1,2", "OUTPUT": "x.tif"}, context)
    assert not ok and "(given: POINT, LIBRARY)" in message
    with pytest.raises(QgsProcessingException, match="lie\\(s\\) outside the scene"):
        run_target({"INPUT": path, "POINT": "1,2 [EPSG:32633]",
                    "OUTPUT": str(tmp_path / "out.tif")})
    assert not (tmp_path / "out.tif").exists()


@pytest.mark.qgis_process
def test_qgis_process_runs_it_from_a_library(shared_qgis_process_env, tmp_path):
    path, _ = write_scene(tmp_path)
    nm = np.arange(400.0, 2451.0, 2.0)
    library = write_csv_library(tmp_path / "lib.csv", nm, {"paint": material(nm)})
    out = tmp_path / "out.tif"
    done = run_qgis_process(["--json", "run", "hsad:target", "--", f"INPUT={path}",
                             f"LIBRARY={library}", "METHOD=sam", f"OUTPUT={out}"],
                            shared_qgis_process_env)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    report = json.loads(done.stdout[done.stdout.index("{"):])
    assert report["results"]["OUTPUT"] == str(out)
    assert any("target spectrum: library spectrum 'paint'" in line
               for line in report["log"]["info"])
    assert _top(_scores(out)[0], 4) <= PLACES
