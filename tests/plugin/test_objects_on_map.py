"""Anomaly objects land on their mask pixels where QGIS draws them: with a north-up
geotransform, with none (ENVI without map info, GeoTIFF without georeferencing: QGIS draws those
at y = 0 .. -rows), and with a rotated one (QGIS warps it north-up)."""
from __future__ import annotations

import numpy as np
import pytest

from plugin_helpers import SCORE_NODATA, designed_scores

NORTH_UP = (600000.0, 5.0, 0.0, 5200000.0, 0.0, -5.0)
ROTATED = (600000.0, 4.0, 1.5, 5200000.0, 1.5, -4.0)


def write_scores(path, scores, geotransform, crs_epsg, driver="GTiff") -> str:
    from osgeo import gdal, osr
    gdal.UseExceptions()
    ds = gdal.GetDriverByName(driver).Create(str(path), scores.shape[1], scores.shape[0], 1,
                                             gdal.GDT_Float32)
    if geotransform is not None:
        ds.SetGeoTransform(list(geotransform))
    if crs_epsg:
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(crs_epsg)
        ds.SetProjection(srs.ExportToWkt())
    band = ds.GetRasterBand(1)
    band.SetNoDataValue(SCORE_NODATA)
    band.WriteArray(scores)
    band = ds = None
    return str(path)


def flagged_cell_centres(mask_layer) -> list:
    """Map coordinates (as QGIS places them) of the centres of the mask cells QGIS reads as 1."""
    provider = mask_layer.dataProvider()
    extent = mask_layer.extent()
    cols, rows = mask_layer.width(), mask_layer.height()
    block = provider.block(1, extent, cols, rows)
    dx, dy = extent.width() / cols, extent.height() / rows
    return [(extent.xMinimum() + (c + 0.5) * dx, extent.yMaximum() - (r + 0.5) * dy)
            for r in range(rows) for c in range(cols) if block.value(r, c) == 1]


@pytest.mark.parametrize("case, geotransform, epsg, driver, name", [
    ("north-up", NORTH_UP, 32632, "GTiff", "s.tif"),
    ("no geotransform, GeoTIFF", None, None, "GTiff", "s.tif"),
    ("no map info, ENVI", None, None, "ENVI", "s.bsq"),
    ("rotated", ROTATED, 32632, "GTiff", "s.tif"),
])
def test_every_object_lies_on_its_mask_pixels_in_qgis(hsad_plugin, tmp_path, case, geotransform,
                                                      epsg, driver, name):
    import processing
    from qgis.core import (QgsCoordinateReferenceSystem, QgsGeometry, QgsPointXY,
                           QgsRasterLayer, QgsVectorLayer)
    score = write_scores(tmp_path / name, designed_scores(), geotransform, epsg, driver)
    result = processing.run("hsad:threshold", {
        "INPUT": score, "RULE": "value", "VALUE": 35.0, "MASK": str(tmp_path / "mask.tif"),
        "OBJECTS": str(tmp_path / "objects.gpkg")})
    assert result["OBJECT_COUNT"] == 3
    score_layer = QgsRasterLayer(score, "score")
    mask_layer = QgsRasterLayer(result["MASK"], "mask")
    objects = QgsVectorLayer(result["OBJECTS"], "objects", "ogr")
    try:
        assert score_layer.isValid() and mask_layer.isValid() and objects.isValid()
        assert mask_layer.extent().toString() == score_layer.extent().toString()
        if epsg:
            assert objects.crs() == score_layer.crs() == QgsCoordinateReferenceSystem(
                f"EPSG:{epsg}")
        else:  # no CRS, as the raster: QGIS draws both as they are (an "undefined" CRS
            # it would try to transform, and fail to draw: "No transform available")
            assert not score_layer.crs().isValid() and not objects.crs().isValid()
            assert not mask_layer.crs().isValid()
        polygons = {f["object_id"]: QgsGeometry(f.geometry()) for f in objects.getFeatures()}
        centres = flagged_cell_centres(mask_layer)
        assert len(centres) >= 10
        for x, y in centres:  # every flagged pixel QGIS draws is inside one object
            point = QgsGeometry.fromPointXY(QgsPointXY(x, y))
            assert sum(p.contains(point) for p in polygons.values()) == 1, (case, x, y)
        for object_id, polygon in polygons.items():  # and every object covers flagged pixels
            inside = [c for c in centres if polygon.contains(
                QgsGeometry.fromPointXY(QgsPointXY(*c)))]
            assert inside, (case, object_id)
        if geotransform != ROTATED:  # on an unwarped grid, the areas match pixel for pixel
            cell = mask_layer.rasterUnitsPerPixelX() * mask_layer.rasterUnitsPerPixelY()
            total = sum(p.area() for p in polygons.values())
            assert total == pytest.approx(len(centres) * cell)
    finally:
        del score_layer, mask_layer, objects


def test_objects_of_a_raster_without_geotransform_sit_inside_its_extent(tmp_path):
    """The engine alone: pixel (row, col) of a raster without geotransform is the square
    x in [col, col + 1], y in [-row - 1, -row], as QGIS's GDAL provider draws it."""
    from osgeo import ogr
    from hsad.engine.threshold import ThresholdRule, threshold_score_raster
    scores = np.zeros((20, 30), np.float32)
    scores[4, 7] = 10.0
    path = write_scores(tmp_path / "s.tif", scores, None, None)
    threshold_score_raster(path, None, str(tmp_path / "o.gpkg"), ThresholdRule("value", value=5))
    ds = ogr.Open(str(tmp_path / "o.gpkg"))
    feature = ds.GetLayer(0).GetNextFeature()
    assert feature.GetGeometryRef().GetEnvelope() == (7.0, 8.0, -5.0, -4.0)
    assert (feature.GetField("centroid_x"), feature.GetField("centroid_y")) == (7.5, -4.5)
    assert ds.GetLayer(0).GetSpatialRef() is None  # no CRS, as the score raster
    ds = None
