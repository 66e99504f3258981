"""Target spectra from the scene: anomaly objects, points, vector features, on any grid."""
from __future__ import annotations

import json

import numpy as np
import pytest

from hsad.engine.errors import InputError
from hsad.engine.methods.target.pixels import Geometries
from hsad.engine.methods.target.sources import (GeometrySource, ObjectSource, VectorSource,
                                                point_source, spectrum_from_scene)
from hsad.engine.scenes.raster import open_scene
from hsad.engine.statistics import MahalanobisScorer
from hsad.engine.threshold import ThresholdRule, threshold_score_raster
from support import utm_wkt, write_cube
from target_helpers import MORE, OBJECT, pixel_point, write_scene


def objects_layer(folder, scene_path, geotransform=(500000.0, 30.0, 0.0, 4100000.0, 0.0, -30.0),
                  wkt="utm"):
    """hsad threshold's objects of a score raster flagging the object (peak 100, object 1)
    and the three other material pixels (peaks 90, 80, 70)."""
    with open_scene(scene_path) as scene:
        rows, cols = scene.info.rows, scene.info.cols
    scores = np.zeros((rows, cols, 1), np.float32)
    for r, c in OBJECT:
        scores[r, c] = 100.0
    for k, (r, c, _) in enumerate(MORE):
        scores[r, c] = 90.0 - 10 * k
    score_path = write_cube(folder / "scores.tif", scores, geotransform=geotransform, wkt=wkt)
    out = str(folder / "objects.gpkg")
    threshold_score_raster(score_path, None, out, ThresholdRule(kind="value", value=50.0))
    return out


def _background(cube):
    pixels = cube.reshape(-1, cube.shape[2]).astype(np.float64)
    return MahalanobisScorer(pixels.mean(axis=0), np.cov(pixels.T))


def _resolve(source, path, background=None):
    with open_scene(path) as scene:
        return source.resolve(scene.info, background)


def test_an_object_gives_the_mean_or_the_peak_of_its_pixels(tmp_path):
    path, cube = write_scene(tmp_path)
    objects = objects_layer(tmp_path, path)
    mean = _resolve(ObjectSource(objects, 1), path)
    expected = np.mean([cube[r, c] for r, c in OBJECT], axis=0, dtype=np.float64)
    np.testing.assert_allclose(mean.values, expected, rtol=1e-6)
    assert mean.pixels == 4 and mean.description == "mean of the 4 pixels of object 1 of " \
                                                   "objects.gpkg"
    background = _background(cube)
    peak = _resolve(ObjectSource(objects, 1, "peak"), path, background)
    distances = background(np.array([cube[r, c] for r, c in OBJECT]))
    r, c = OBJECT[int(np.argmax(distances))]
    np.testing.assert_array_equal(peak.values, cube[r, c])
    assert f"row {r + 1}, column {c + 1}" in peak.description
    lone = _resolve(ObjectSource(objects, 3), path)  # the third peak: MORE[1]
    np.testing.assert_array_equal(lone.values, cube[MORE[1][0], MORE[1][1]])


def test_a_point_takes_the_pixel_under_it_in_any_crs(tmp_path):
    from osgeo import ogr, osr
    path, cube = write_scene(tmp_path)
    x, y = 500000.0 + 30 * 21 + 3, 4100000.0 - 30 * 17 - 29  # inside pixel (17, 21)
    np.testing.assert_array_equal(_resolve(point_source(x, y), path).values, cube[17, 21])
    utm, wgs84 = osr.SpatialReference(), osr.SpatialReference()
    utm.ImportFromWkt(utm_wkt())
    wgs84.ImportFromEPSG(4326)
    for srs in (utm, wgs84):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    point = ogr.CreateGeometryFromWkt(f"POINT ({x} {y})")
    point.Transform(osr.CoordinateTransformation(utm, wgs84))
    lon, lat = point.GetX(), point.GetY()
    moved = _resolve(point_source(lon, lat, "EPSG:4326"), path)
    np.testing.assert_array_equal(moved.values, cube[17, 21])


def test_vector_polygons_give_the_pixels_whose_centres_they_hold(tmp_path):
    path, cube = write_scene(tmp_path)
    x0, y0 = 500000.0 + 30 * 5, 4100000.0 - 30 * 2
    square = f"POLYGON (({x0 + 1} {y0 - 1}, {x0 + 59} {y0 - 1}, {x0 + 59} {y0 - 89}, " \
             f"{x0 + 1} {y0 - 89}, {x0 + 1} {y0 - 1}))"  # rows 2-4, columns 5-6
    geojson = tmp_path / "roofs.geojson"
    features = [{"type": "Feature", "properties": {"kind": k}, "geometry": g} for k, g in (
        ("roof", json.loads(_geojson(square))), ("spot", json.loads(_geojson(pixel_point(30, 8)))))]
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": features,
                                   "crs": {"type": "name", "properties": {
                                       "name": "urn:ogc:def:crs:EPSG::32633"}}}))
    roof = _resolve(VectorSource(str(geojson), feature=0), path)
    np.testing.assert_allclose(roof.values, cube[2:5, 5:7].reshape(-1, cube.shape[2]).mean(
        axis=0, dtype=np.float64), rtol=1e-6)
    both = _resolve(VectorSource(str(geojson)), path)
    assert both.pixels == 7
    tiny = f"POLYGON (({x0 + 10} {y0 - 10}, {x0 + 14} {y0 - 10}, {x0 + 14} {y0 - 14}, " \
           f"{x0 + 10} {y0 - 14}, {x0 + 10} {y0 - 10}))"  # inside pixel (2, 5), no centre
    np.testing.assert_array_equal(_resolve(GeometrySource(Geometries((tiny,))), path).values,
                                  cube[2, 5])


def _geojson(wkt):
    from osgeo import ogr
    return ogr.CreateGeometryFromWkt(wkt).ExportToJson()


@pytest.mark.parametrize("flip", [1.0, -1.0])
def test_a_scene_without_georeference_reads_pixel_or_qgis_coordinates(tmp_path, flip):
    """QGIS draws such a scene at y = -row; objects layers of older hsad used y = +row."""
    path, cube = write_scene(tmp_path, "plain.bsq", driver="ENVI", geotransform=None, wkt="")
    objects = objects_layer(tmp_path, path, geotransform=(0.0, 1.0, 0.0, 0.0, 0.0, flip), wkt="")
    got = _resolve(ObjectSource(objects, 1), path)
    np.testing.assert_allclose(got.values, np.mean([cube[r, c] for r, c in OBJECT], axis=0),
                               rtol=1e-6)
    point = _resolve(point_source(21.5, flip * 17.5), path)
    np.testing.assert_array_equal(point.values, cube[17, 21])


def test_spectra_from_an_array_scene_skip_invalid_pixels():
    from hsad.engine.scenes.scene import ArrayScene
    cube = np.ones((4, 4, 3), np.float32)
    cube[1, 1] = [2, 3, 4]
    cube[1, 2] = np.nan
    square = "POLYGON ((0.9 0.9, 3.1 0.9, 3.1 2.1, 0.9 2.1, 0.9 0.9))"  # rows 1, columns 1-2
    got = spectrum_from_scene(Geometries((square,), "", "the square"), ArrayScene(cube))
    assert got.values.tolist() == [2, 3, 4] and got.pixels == 1


def test_sources_that_cannot_give_a_spectrum_say_why(tmp_path):
    path, _ = write_scene(tmp_path)
    objects = objects_layer(tmp_path, path)
    with pytest.raises(InputError, match="objects.gpkg: has no feature with object_id 9"):
        ObjectSource(objects, 9).check()
    with pytest.raises(InputError, match="the pixel at 1, 2 lie\\(s\\) outside the scene"):
        _resolve(point_source(1.0, 2.0), path)
    plain = tmp_path / "plain.geojson"
    plain.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": json.loads(_geojson(pixel_point(3, 3)))}]}))
    with pytest.raises(InputError, match="has no 'object_id' field .*--vector"):
        ObjectSource(str(plain), 1).check()
    with pytest.raises(InputError, match="has no feature with id 5"):
        VectorSource(str(plain), feature=5).check()
    with pytest.raises(InputError, match="not a vector file GDAL can read"):
        VectorSource(path).check()
    with pytest.raises(InputError, match="unknown spectrum 'median'"):
        ObjectSource(objects, 1, "median").check()


def test_a_polygon_as_large_as_the_scene_is_read_strip_by_strip(tmp_path, monkeypatch):
    import hsad.engine.methods.target.pixels as pixels
    path, cube = write_scene(tmp_path)
    everything = "POLYGON ((499000 4101000, 502000 4101000, 502000 4098000, 499000 4098000, " \
                 "499000 4101000))"
    monkeypatch.setattr(pixels, "STRIP_VALUES", cube.shape[1] * cube.shape[2] * 5)  # 5 rows
    read = []
    original = pixels.Scene.read

    def counting(scene, row, col, rows, cols, out=None):
        read.append(rows)
        return original(scene, row, col, rows, cols, out)

    monkeypatch.setattr(pixels.Scene, "read", counting)
    got = _resolve(GeometrySource(Geometries((everything,))), path)
    assert max(read) == 5 and got.pixels == cube.shape[0] * cube.shape[1]
    np.testing.assert_allclose(got.values, cube.reshape(-1, cube.shape[2]).mean(
        axis=0, dtype=np.float64), rtol=1e-6)
