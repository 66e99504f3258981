"""hsad:threshold through processing.run: masks, objects, attributes, styles, cancel."""
from __future__ import annotations

import os

import numpy as np
import pytest

from plugin_helpers import pixel_centre, tooltip_abstract

FAR, AUTO, PERCENTILE, VALUE, TOP = "far", "auto", "percentile", "value", "top"


def run_threshold(parameters, **kwargs):
    import processing
    return processing.run("hsad:threshold", parameters, **kwargs)


def read_mask(path):
    import rasterio
    with rasterio.open(path) as ds:
        return ds.read(1), ds.crs, ds.transform, ds.nodata, ds.dtypes[0]


def read_objects(path):
    from osgeo import ogr
    ds = ogr.Open(str(path))
    layer = ds.GetLayer(0)
    rows = [dict(f.items(), area_of_polygon=f.GetGeometryRef().GetArea()) for f in layer]
    epsg = layer.GetSpatialRef().GetAuthorityCode(None)
    ds = None
    return rows, epsg


def test_value_rule_writes_mask_and_objects_with_attributes(hsad_plugin, tmp_path, score_raster):
    path, scores = score_raster
    mask_path, objects_path = tmp_path / "mask.tif", tmp_path / "objects.gpkg"
    result = run_threshold({"INPUT": path, "RULE": VALUE, "VALUE": 35.0,
                            "MASK": str(mask_path), "OBJECTS": str(objects_path)})
    assert result["THRESHOLD"] == 35.0
    assert result["OBJECT_COUNT"] == 3 and result["ANOMALY_PIXELS"] == 6 + 3 + 1
    mask, crs, transform, nodata, dtype = read_mask(mask_path)
    assert dtype == "uint8" and nodata == 255
    assert crs.to_epsg() == 32632 and tuple(transform)[:6] == (5.0, 0.0, 600000.0, 0.0, -5.0,
                                                                 5200000.0)
    expected = np.where(scores >= 35.0, 1, 0)
    expected[np.isnan(scores)] = 255
    np.testing.assert_array_equal(mask, expected)
    objects, epsg = read_objects(objects_path)
    assert epsg == "32632"
    by_id = {o["object_id"]: o for o in objects}
    # ranked by peak: the 100-block, the lone 80 (its 30 neighbour is below 35), the 60-50-40 L
    assert [by_id[i]["peak_score"] for i in (1, 2, 3)] == [100.0, 80.0, 60.0]
    block = by_id[1]
    assert block["pixels"] == 6 and block["area"] == pytest.approx(6 * 25.0)
    assert block["area_of_polygon"] == pytest.approx(6 * 25.0)
    assert block["mean_score"] == pytest.approx(100.0)
    assert (block["centroid_x"], block["centroid_y"]) == pytest.approx(pixel_centre(10.5, 21.0))
    ell = by_id[3]
    assert ell["pixels"] == 3 and ell["mean_score"] == pytest.approx(50.0)
    assert (ell["centroid_x"], ell["centroid_y"]) == pytest.approx(
        pixel_centre((30 + 31 + 31) / 3, (5 + 5 + 6) / 3))


@pytest.mark.parametrize("diagonal, expected_objects", [(True, 3), (False, 4)])
def test_diagonal_neighbours_decide_whether_corner_pixels_join(hsad_plugin, tmp_path, score_raster,
                                                             diagonal, expected_objects):
    path, _ = score_raster
    result = run_threshold({"INPUT": path, "RULE": VALUE, "VALUE": 25.0, "DIAGONAL": diagonal,
                            "OBJECTS": str(tmp_path / "o.gpkg")})
    assert result["OBJECT_COUNT"] == expected_objects
    assert result["MASK"] is None or not os.path.exists(str(result["MASK"]))


def test_percentile_rule_flags_that_share_of_valid_pixels(hsad_plugin, tmp_path, score_raster):
    path, scores = score_raster
    valid = scores[np.isfinite(scores)]
    result = run_threshold({"INPUT": path, "RULE": PERCENTILE, "PERCENTILE": 99.7,
                            "MASK": str(tmp_path / "m.tif")})
    assert result["THRESHOLD"] == pytest.approx(np.percentile(valid, 99.7))
    assert result["ANOMALY_PIXELS"] == int((valid >= np.percentile(valid, 99.7)).sum()) == 9


def test_top_n_keeps_the_objects_with_the_highest_peaks(hsad_plugin, tmp_path, score_raster):
    path, scores = score_raster
    result = run_threshold({"INPUT": path, "RULE": TOP, "TOP_N": 2, "PERCENTILE": 99.7,
                            "MASK": str(tmp_path / "m.tif"), "OBJECTS": str(tmp_path / "o.gpkg")})
    assert result["OBJECT_COUNT"] == 2
    objects, _ = read_objects(tmp_path / "o.gpkg")
    assert sorted(o["peak_score"] for o in objects) == [80.0, 100.0]
    mask = read_mask(tmp_path / "m.tif")[0]
    assert (mask == 1).sum() == 7  # the 6-pixel block and the single 80


def test_automatic_rule_is_median_plus_k_robust_sd(hsad_plugin, tmp_path, score_raster):
    path, scores = score_raster
    valid = scores[np.isfinite(scores)]
    median = np.median(valid)
    expected = median + 6.0 * 1.4826 * np.median(np.abs(valid - median))
    result = run_threshold({"INPUT": path, "RULE": AUTO, "MASK": str(tmp_path / "m.tif")})
    assert result["THRESHOLD"] == pytest.approx(expected)
    assert result["ANOMALY_PIXELS"] == 11 and result["OBJECT_COUNT"] == 3


def test_default_rule_flags_at_most_the_false_alarm_rate(hsad_plugin, tmp_path, score_raster):
    path, scores = score_raster
    valid = scores[np.isfinite(scores)]  # 2991 pixels: 1e-3 allows 2, 4e-3 allows 11
    result = run_threshold({"INPUT": path, "MASK": str(tmp_path / "m.tif")})
    # the 6 pixels tied at the top score are more than 2, but the highest score is always kept
    assert result["ANOMALY_PIXELS"] == 6 and result["THRESHOLD"] == 100.0
    # seed share 1: the highest scores alone, the budget's 11 pixels in three objects
    result = run_threshold({"INPUT": path, "FALSE_ALARM_RATE": 4e-3, "SEED_SHARE": 1.0,
                            "MASK": str(tmp_path / "m2.tif"), "OBJECTS": str(tmp_path / "o.gpkg")})
    assert result["ANOMALY_PIXELS"] == 11 and result["OBJECT_COUNT"] == 3
    assert result["THRESHOLD"] == pytest.approx(np.sort(valid)[-11]) == 30.0


def test_default_rule_grows_seeds_into_whole_objects_within_the_budget(hsad_plugin, tmp_path):
    """Two targets of 12 pixels, brighter at their centre: the highest scores alone flag
    fragments of both; seeds grown within the same budget outline them whole."""
    from plugin_helpers import write_raster
    rng = np.random.default_rng(4)
    scores = rng.uniform(0.0, 10.0, size=(100, 100)).astype(np.float32)
    for row, col in ((20, 30), (70, 60)):
        scores[row:row + 3, col:col + 4] = 40.0
        scores[row + 1, col + 1:col + 3] = 60.0
    path = write_raster(tmp_path / "s.tif", scores)  # 10000 pixels: 3e-3 allows 30
    plain = run_threshold({"INPUT": path, "FALSE_ALARM_RATE": 3e-3, "SEED_SHARE": 1.0,
                           "MASK": str(tmp_path / "plain.tif")})
    grown = run_threshold({"INPUT": path, "FALSE_ALARM_RATE": 3e-3, "SEED_SHARE": 0.2,
                           "MASK": str(tmp_path / "grown.tif"),
                           "OBJECTS": str(tmp_path / "o.gpkg")})
    mask = read_mask(tmp_path / "grown.tif")[0]
    assert grown["ANOMALY_PIXELS"] <= 30 and plain["ANOMALY_PIXELS"] <= 30
    assert (mask[20:23, 30:34] == 1).all() and (mask[70:73, 60:64] == 1).all()
    assert grown["OBJECT_COUNT"] == 2 and grown["THRESHOLD"] == 60.0
    assert grown["LOW_THRESHOLD"] <= 40.0
    assert (read_mask(tmp_path / "plain.tif")[0] == 1).sum() == plain["ANOMALY_PIXELS"]


def test_no_phantom_output_through_processing_run(hsad_plugin, monkeypatch, tmp_path,
                                                  score_raster):
    """Temporary outputs through processing.runAndLoadResults (the Python console, models):
    every layer QGIS is told to load exists, so it reports nothing 'not correctly
    generated' (checkParameterValues once registered a second temporary MASK)."""
    import processing
    from qgis.core import QgsProcessingFeedback, QgsProject
    monkeypatch.setattr("processing.gui.Postprocessing.iface", None, raising=False)
    errors = []

    class Feedback(QgsProcessingFeedback):
        def reportError(self, error, fatalError=False):  # noqa: N802 (QGIS API)
            errors.append(error)

    path, _ = score_raster
    try:
        result = processing.runAndLoadResults(
            "hsad:threshold", {"INPUT": path, "MASK": "TEMPORARY_OUTPUT",
                               "OBJECTS": "TEMPORARY_OUTPUT"}, feedback=Feedback())
        names = sorted(layer.name() for layer in QgsProject.instance().mapLayers().values())
    finally:
        QgsProject.instance().removeAllMapLayers()
    assert errors == []
    assert names == ["mask · rx · scene_score", "objects · rx · scene_score"]
    assert os.path.exists(result["MASK"]) and os.path.exists(result["OBJECTS"])


def test_each_rule_parameter_says_which_rule_reads_it(hsad_plugin):
    from qgis.core import QgsApplication, QgsProcessingParameterDefinition
    alg = QgsApplication.processingRegistry().algorithmById("hsad:threshold")
    labels = {p.name(): p.description() for p in alg.parameterDefinitions()}
    for name, rule in (("FALSE_ALARM_RATE", "far"), ("PERCENTILE", "percentile"),
                       ("VALUE", "value"), ("TOP_N", "top"), ("K", "auto")):
        assert f"({rule} rule" in labels[name] or f"({rule} and" in labels[name]
    advanced = {p.name() for p in alg.parameterDefinitions()
                if p.flags() & QgsProcessingParameterDefinition.FlagAdvanced}
    assert "FALSE_ALARM_RATE" not in advanced and "RULE" not in advanced
    assert {"PERCENTILE", "VALUE", "TOP_N", "K"} <= advanced
    assert alg.parameterDefinition("RULE").defaultValue() == "False-alarm rate (far)"
    assert "SEED_SHARE" in advanced


def test_outputs_load_styled_through_the_post_processor(monkeypatch, hsad_plugin, tmp_path, score_raster):
    import processing
    from processing.gui.Postprocessing import handleAlgorithmResults
    # pytest-qgis's iface is a mock; QGIS 3.44 hands its layerTreeView() to C++
    monkeypatch.setattr("processing.gui.Postprocessing.iface", None, raising=False)
    from qgis.core import (QgsApplication, QgsProcessingContext, QgsProcessingFeedback,
                           QgsProcessingOutputLayerDefinition, QgsProject)
    from qgis.PyQt.QtCore import Qt
    path, _ = score_raster
    project = QgsProject.instance()
    context = QgsProcessingContext()
    context.setProject(project)
    feedback = QgsProcessingFeedback()
    params = {"INPUT": path, "RULE": VALUE, "VALUE": 35.0,
              "MASK": QgsProcessingOutputLayerDefinition(str(tmp_path / "m.tif"), project),
              "OBJECTS": QgsProcessingOutputLayerDefinition(str(tmp_path / "o.gpkg"), project)}
    alg = QgsApplication.processingRegistry().algorithmById("hsad:threshold")
    processing.run(alg, params, context=context, feedback=feedback, onFinish=lambda *a: None)
    try:
        assert handleAlgorithmResults(alg, context, feedback)
        layers = {layer.name(): layer for layer in project.mapLayers().values()}
        mask = layers["mask · rx · scene_score"]
        assert mask.renderer().type() == "paletted"
        colours = {c.value: c.color for c in mask.renderer().classes()}
        assert colours[0].alpha() == 0 and colours[1].red() > 200 and colours[1].alpha() == 255
        objects = layers["objects · rx · scene_score"]
        abstract = tooltip_abstract(objects)
        assert "given value: score >= 35" in abstract and "rx: Global RX" in abstract and \
            "3 objects" in abstract
        assert mask.metadata().abstract().startswith("Anomaly mask (1 = anomaly)")
        assert objects.featureCount() == 3
        assert objects.renderer().type() == "singleSymbol"
        fill = objects.renderer().symbol().symbolLayer(0)
        assert fill.brushStyle() == Qt.NoBrush and fill.strokeWidth() > 0
    finally:
        project.removeAllMapLayers()


def test_files_opened_later_get_the_side_car_styles(hsad_plugin, tmp_path, score_raster):
    from qgis.core import QgsRasterLayer, QgsVectorLayer
    path, _ = score_raster
    run_threshold({"INPUT": path, "RULE": VALUE, "VALUE": 35.0, "MASK": str(tmp_path / "m.tif"),
                   "OBJECTS": str(tmp_path / "o.gpkg")})
    raster = QgsRasterLayer(str(tmp_path / "m.tif"), "m")
    vector = QgsVectorLayer(str(tmp_path / "o.gpkg"), "o", "ogr")
    try:
        assert raster.renderer().type() == "paletted"
        assert vector.renderer().type() == "singleSymbol"
        assert vector.labelsEnabled()
    finally:
        del raster, vector


def test_value_rule_without_value_is_refused_before_running(hsad_plugin, tmp_path, score_raster):
    from qgis.core import QgsProcessingException
    path, _ = score_raster
    with pytest.raises(QgsProcessingException, match="Score value"):
        run_threshold({"INPUT": path, "RULE": VALUE, "MASK": str(tmp_path / "m.tif")})
    assert not (tmp_path / "m.tif").exists()


def test_cancel_during_polygons_leaves_no_output(hsad_plugin, tmp_path, score_raster):
    from qgis.core import QgsProcessingException, QgsProcessingFeedback
    path, _ = score_raster
    feedback = QgsProcessingFeedback()
    seen = []

    def cancel_late(progress):
        seen.append(progress)
        if progress >= 75.0:  # the mask is staged; the polygons are being written
            feedback.cancel()

    feedback.progressChanged.connect(cancel_late)
    before = set(os.listdir(tmp_path))
    with pytest.raises(QgsProcessingException, match="Cancelled"):
        run_threshold({"INPUT": path, "RULE": VALUE, "VALUE": 35.0,
                       "MASK": str(tmp_path / "m.tif"), "OBJECTS": str(tmp_path / "o.gpkg")},
                      feedback=feedback)
    assert max(seen) < 100.0
    assert set(os.listdir(tmp_path)) == before  # no mask, no objects, no partial files

