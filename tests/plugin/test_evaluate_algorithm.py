"""hsad:evaluate through processing.run: the AUC table, the ROC plot, mismatched grids."""
from __future__ import annotations

import csv

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from plugin_helpers import SCORE_NODATA, write_raster


@pytest.fixture
def labelled(tmp_path):
    """Two score rasters of one 40 x 30 scene, one good and one poor, and the truth raster."""
    rng = np.random.default_rng(7)
    truth = np.zeros((40, 30), dtype=np.uint8)
    truth[5:8, 5:8] = 1
    truth[30, 20] = 1
    good = rng.normal(size=truth.shape).astype(np.float32) + 3.0 * truth
    poor = rng.normal(size=truth.shape).astype(np.float32) + 0.5 * truth
    good[0, :] = SCORE_NODATA  # a nodata row: left out of the evaluation
    paths = {
        "good": write_raster(tmp_path / "good.tif", good, nodata=SCORE_NODATA,
                             metadata={"HSAD_METHOD": "lrx", "HSAD_MODEL_VERSION": ""}),
        "poor": write_raster(tmp_path / "poor.tif", poor, metadata={"HSAD_METHOD": "rx"}),
        "truth": write_raster(tmp_path / "truth.tif", truth),
    }
    valid = np.ones(truth.shape, bool)
    valid[0, :] = False
    expected = {"good": roc_auc_score(truth[valid], good[valid]),
                "poor": roc_auc_score(truth.ravel(), poor.ravel())}
    # what a threshold finds in the good map, counted directly: 1160 valid background pixels,
    # so 1 may be flagged at 0.1 % and 11 at 1 %; each of the two truth objects is found when
    # one of its pixels scores above the 2nd / 12th highest background score
    background = np.sort(good[valid & (truth == 0)])[::-1]
    expected["good objects"] = [int(good[5:8, 5:8].max() > background[k]) +
                                int(good[30, 20] > background[k]) for k in (1, 11)]
    return paths, expected


def test_table_has_one_row_per_score_raster_with_independent_auc(hsad_plugin, tmp_path, labelled):
    import processing
    paths, expected = labelled
    table, plot = tmp_path / "auc.csv", tmp_path / "roc.png"
    result = processing.run("hsad:evaluate", {"INPUT": [paths["good"], paths["poor"]],
                                              "TRUTH": paths["truth"], "OUTPUT": str(table),
                                              "ROC_CURVE": str(plot)})
    assert result["AUC_ROC"] == pytest.approx(expected["good"])
    with open(table, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["score_file"] for r in rows] == ["good.tif", "poor.tif"]
    assert [r["method"] for r in rows] == ["lrx", "rx"]
    assert float(rows[0]["auc_roc"]) == pytest.approx(expected["good"])
    assert float(rows[1]["auc_roc"]) == pytest.approx(expected["poor"])
    assert int(rows[0]["anomaly_pixels"]) == 10 and int(rows[0]["valid_pixels"]) == 39 * 30
    assert int(rows[1]["valid_pixels"]) == 40 * 30
    assert int(rows[0]["truth_objects"]) == 2
    assert [int(rows[0]["objects_found_0_1pct"]), int(rows[0]["objects_found_1pct"])] == \
        expected["good objects"]
    assert float(rows[0]["partial_auc_1pct"]) > float(rows[1]["partial_auc_1pct"])
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".hsad-roc")]


def test_temporary_output_is_a_table_layer(hsad_plugin, labelled):
    import processing
    from qgis.core import QgsWkbTypes
    paths, expected = labelled
    result = processing.run("hsad:evaluate", {"INPUT": paths["poor"], "TRUTH": paths["truth"],
                                              "OUTPUT": "TEMPORARY_OUTPUT"})
    table = result["OUTPUT"]
    assert table.wkbType() == QgsWkbTypes.NoGeometry and table.featureCount() == 1
    feature = next(table.getFeatures())
    assert feature["auc_roc"] == pytest.approx(expected["poor"])
    assert result["ROC_CURVE"] is None


def test_truth_of_another_size_is_refused_in_one_line(hsad_plugin, tmp_path, labelled):
    import processing
    from qgis.core import QgsProcessingException
    paths, _ = labelled
    small = write_raster(tmp_path / "small_truth.tif", np.ones((10, 10), np.uint8))
    with pytest.raises(QgsProcessingException) as caught:
        processing.run("hsad:evaluate", {"INPUT": paths["good"], "TRUTH": small,
                                         "OUTPUT": str(tmp_path / "auc.csv")})
    assert "small_truth.tif" in str(caught.value) and "40 x 30" in str(caught.value)
    assert not (tmp_path / "auc.csv").exists()
