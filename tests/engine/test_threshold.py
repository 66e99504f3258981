"""Threshold rules, anomaly objects and their files, without QGIS."""
from __future__ import annotations

import os

import numpy as np
import pytest
from scipy.stats import chi2

from hsad.engine.errors import Cancelled, HsadError, OutputError
from hsad.engine.threshold import (ThresholdRule, choose_threshold, find_objects,
                                   threshold_score_raster)
from support import utm_wkt


def write_scores(path, scores, geotransform=(1000.0, 2.0, 0.0, 5000.0, 0.0, -2.0), nodata=None):
    from osgeo import gdal
    gdal.UseExceptions()
    ds = gdal.GetDriverByName("GTiff").Create(str(path), scores.shape[1], scores.shape[0], 1,
                                              gdal.GDT_Float32)
    ds.SetProjection(utm_wkt(32631))
    ds.SetGeoTransform(list(geotransform))
    if nodata is not None:
        ds.GetRasterBand(1).SetNoDataValue(nodata)
    ds.GetRasterBand(1).WriteArray(scores)
    ds = None
    return str(path)


@pytest.mark.parametrize("bands, low, high", [(20, 1e-5, 5e-5), (200, 5e-8, 5e-7)])
def test_automatic_rule_false_alarm_rate_on_chi_square_scores_is_as_documented(bands, low, high):
    scores = np.random.default_rng(bands).chisquare(bands, 300000)
    threshold = choose_threshold(scores, ThresholdRule("auto"))
    assert low < chi2.sf(threshold, bands) < high


def test_automatic_rule_ignores_a_few_huge_anomalies():
    background = np.random.default_rng(1).normal(size=10000)
    with_anomalies = np.concatenate([background, np.full(20, 1e6)])
    a = choose_threshold(background, ThresholdRule("auto"))
    b = choose_threshold(with_anomalies, ThresholdRule("auto"))
    assert abs(a - b) < 0.05 * abs(a)


@pytest.mark.parametrize("kind", ["auto", "far"])
def test_constant_map_has_no_anomaly(kind):
    found = find_objects(np.full((5, 5), 3.0, np.float32), ThresholdRule(kind))
    assert found.objects == [] and not found.labels.any()


def test_false_alarm_rate_is_the_default_rule():
    assert ThresholdRule().kind == "far" and ThresholdRule().false_alarm_rate == 1e-3


@pytest.mark.parametrize("tail", ["chi-square", "student-t", "lognormal"])
def test_false_alarm_rule_keeps_its_promise_whatever_the_tail(tail):
    """Background flagged <= the promise on light and heavy tails, with anomalies present."""
    rng = np.random.default_rng(7)
    background = {"chi-square": lambda: rng.chisquare(50, 200000),
                  "student-t": lambda: rng.standard_t(2, 200000) ** 2,
                  "lognormal": lambda: rng.lognormal(0.0, 1.5, 200000)}[tail]()
    scores = np.concatenate([background, np.full(150, background.max() * 10)])
    for rate in (1e-2, 1e-3, 1e-4):
        threshold = choose_threshold(scores, ThresholdRule("far", false_alarm_rate=rate))
        flagged = np.count_nonzero(background >= threshold) / background.size
        assert flagged <= rate * scores.size / background.size
        assert (scores[-150:] >= threshold).all() or rate * scores.size < 150


def test_false_alarm_rule_flags_the_rate_of_a_pure_background():
    scores = np.random.default_rng(3).chisquare(30, 100000)
    threshold = choose_threshold(scores, ThresholdRule("far", false_alarm_rate=1e-3))
    assert np.count_nonzero(scores >= threshold) == 100


def test_false_alarm_rule_leaves_ties_out_but_keeps_the_highest_score():
    scores = np.concatenate([np.zeros(980), np.full(10, 3.0), np.full(10, 5.0)])
    threshold = choose_threshold(scores, ThresholdRule("far", false_alarm_rate=0.015))
    assert np.count_nonzero(scores >= threshold) == 10  # the 10 at 3 would overspend 15
    threshold = choose_threshold(scores, ThresholdRule("far", false_alarm_rate=0.005))
    assert np.count_nonzero(scores >= threshold) == 10  # the highest score, though 10 > 5
    small = np.arange(50, dtype=np.float64)  # 1e-3 of 50 pixels: still the highest one
    assert np.count_nonzero(small >= choose_threshold(small, ThresholdRule("far"))) == 1


def test_percentile_and_value_rules():
    scores = np.arange(1000, dtype=np.float64)
    assert choose_threshold(scores, ThresholdRule("percentile", percentile=99.0)) == \
        pytest.approx(np.percentile(scores, 99.0))
    assert choose_threshold(scores, ThresholdRule("value", value=12.5)) == 12.5


@pytest.mark.parametrize("rule, message", [
    (ThresholdRule("value"), "finite score value"),
    (ThresholdRule("percentile", percentile=100.0), "below 100"),
    (ThresholdRule("top", top_n=0), "at least 1"),
    (ThresholdRule("median"), "unknown threshold rule"),
    (ThresholdRule("far", false_alarm_rate=0.0), "above 0 and below 1"),
    (ThresholdRule("far", false_alarm_rate=1.0), "above 0 and below 1"),
    (ThresholdRule(min_pixels=0), "at least 1 pixel"),
])
def test_impossible_rules_are_refused_in_one_line(rule, message):
    with pytest.raises(HsadError, match=message):
        rule.check()


def objects_map():
    scores = np.zeros((20, 20), np.float32)
    scores[2:4, 2:4] = [[5.0, 6.0], [7.0, 9.0]]  # 4 pixels, peak 9
    scores[10, 10], scores[11, 11] = 8.0, 4.0  # corner neighbours
    scores[15, 3] = 3.0  # single pixel
    scores[0, 19] = np.nan
    return scores


def test_objects_are_ranked_by_peak_with_size_mean_and_centroid():
    gt = (100.0, 10.0, 1.0, 200.0, 2.0, -10.0)  # rotated grid: centroid uses all six terms
    found = find_objects(objects_map(), ThresholdRule("value", value=1.0), gt)
    assert [o.peak_score for o in found.objects] == [9.0, 8.0, 3.0]
    first = found.objects[0]
    assert (first.pixels, first.mean_score) == (4, pytest.approx(6.75))
    assert first.area == pytest.approx(4 * abs(10.0 * -10.0 - 1.0 * 2.0))
    row, col = 3.0, 3.0  # centre of the 2 x 2 block (rows/cols 2-3, pixel centres at +0.5)
    assert (first.centroid_x, first.centroid_y) == pytest.approx(
        (100.0 + col * 10.0 + row * 1.0, 200.0 + col * 2.0 - row * 10.0))
    assert (first.peak_row, first.peak_col) == (3, 3)
    assert set(np.unique(found.labels)) == {0, 1, 2, 3}
    assert found.labels[2, 2] == 1 and found.labels[11, 11] == 2 and found.labels[15, 3] == 3
    assert found.invalid[0, 19] and found.labels[0, 19] == 0


def test_edge_connectivity_splits_corner_neighbours_and_min_size_drops_small_objects():
    found = find_objects(objects_map(), ThresholdRule("value", value=1.0, diagonal=False))
    assert len(found.objects) == 4
    found = find_objects(objects_map(), ThresholdRule("value", value=1.0, min_pixels=2))
    assert [o.pixels for o in found.objects] == [4, 2]
    assert found.labels[15, 3] == 0


def test_top_n_keeps_highest_peaks_only():
    # the 99th percentile (5.02) keeps 9, 7 and 6 of the block and the lone 8
    found = find_objects(objects_map(), ThresholdRule("top", top_n=1, percentile=99.0))
    assert len(found.objects) == 1 and found.objects[0].peak_score == 9.0
    assert (found.labels > 0).sum() == 3 and found.labels[10, 10] == 0


@pytest.mark.parametrize("mask_name, objects_name, side_files", [
    ("mask.tif", "objects.gpkg", {"mask.qml", "objects.qml"}),
    ("mask.img", "objects.shp", {"mask.hdr", "objects.shx", "objects.dbf", "objects.prj"}),
    (None, "objects.csv", set()),
])
def test_outputs_in_each_format_with_their_side_files(tmp_path, mask_name, objects_name,
                                                      side_files):
    from osgeo import gdal, ogr
    score = write_scores(tmp_path / "score.tif", objects_map(), nodata=None)
    mask = str(tmp_path / mask_name) if mask_name else None
    result = threshold_score_raster(score, mask, str(tmp_path / objects_name),
                                    ThresholdRule("value", value=1.0))
    names = set(os.listdir(tmp_path))
    assert side_files <= names and objects_name in names
    assert not [n for n in names if "partial" in n]
    if mask:
        ds = gdal.Open(mask)
        assert ds.GetGeoTransform() == (1000.0, 2.0, 0.0, 5000.0, 0.0, -2.0)
        assert int(ds.ReadAsArray().astype(bool).sum()) == result.mask_pixels + 1  # + nodata
        ds = None
    ds = ogr.Open(str(tmp_path / objects_name))
    assert ds.GetLayer(0).GetFeatureCount() == 3
    ds = None


def test_refuses_to_overwrite_the_input_or_an_existing_file(tmp_path):
    score = write_scores(tmp_path / "score.tif", objects_map())
    with pytest.raises(OutputError, match="input"):
        threshold_score_raster(score, score, None, ThresholdRule("value", value=1.0))
    (tmp_path / "objects.gpkg").write_text("keep me")
    with pytest.raises(OutputError, match="already exists"):
        threshold_score_raster(score, None, str(tmp_path / "objects.gpkg"),
                               ThresholdRule("value", value=1.0))
    assert (tmp_path / "objects.gpkg").read_text() == "keep me"
    with pytest.raises(OutputError, match="unsupported vector format"):
        threshold_score_raster(score, None, str(tmp_path / "o.kml"), ThresholdRule())
    with pytest.raises(OutputError, match="different file names"):
        threshold_score_raster(score, str(tmp_path / "x.tif"), str(tmp_path / "x.gpkg"),
                               ThresholdRule())


@pytest.mark.parametrize("stop_at", [0.3, 0.6, 0.8])
def test_cancel_at_any_stage_leaves_no_file(tmp_path, stop_at):
    score = write_scores(tmp_path / "score.tif", objects_map())
    before = set(os.listdir(tmp_path))
    with pytest.raises(Cancelled):
        threshold_score_raster(score, str(tmp_path / "m.tif"), str(tmp_path / "o.gpkg"),
                               ThresholdRule("value", value=1.0), tile_size=4,
                               progress=lambda fraction: fraction < stop_at)
    assert set(os.listdir(tmp_path)) == before


def test_all_nodata_score_is_refused(tmp_path):
    score = write_scores(tmp_path / "score.tif", np.full((4, 4), -1.0, np.float32), nodata=-1.0)
    with pytest.raises(HsadError, match="no valid pixel"):
        threshold_score_raster(score, str(tmp_path / "m.tif"), None, ThresholdRule())
    assert not (tmp_path / "m.tif").exists()
