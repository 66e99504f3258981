"""Areas of interest and exclusion masks, applied once in the scene layer: every detector scores
an area exactly as it scores the scene cropped beforehand, and a masked scene exactly as the
scene with those pixels set to nodata."""
from __future__ import annotations

import json

import numpy as np
import pytest
from osgeo import gdal, ogr, osr

from hsad.engine.errors import InputError
from hsad.engine.pipeline import DetectParameters, detect_scene
from hsad.engine.scenes.options import SceneOptions, parse_area, parse_quality
from hsad.engine.scenes.raster import open_scene
from support import run_hsad, scene_with_targets, write_cube

gdal.UseExceptions()
GT = (500000.0, 30.0, 0.0, 4100000.0, 0.0, -30.0)
METHODS = ("rx", "lrx", "twobranch")
NODATA = -1.0


@pytest.fixture(scope="module")
def cube():
    scene, _ = scene_with_targets(rows=48, cols=40, bands=24, seed=5)
    return scene.astype(np.float32)


def scores(path):
    ds = gdal.Open(str(path))
    values = ds.ReadAsArray().astype(np.float64)
    nodata = ds.GetRasterBand(1).GetNoDataValue()
    return np.where(values == nodata, np.nan, values), ds.GetGeoTransform(), ds.GetMetadata()


def detect(src, out, method, scene=None, **kwargs):
    params = DetectParameters(method=method, scene=scene or SceneOptions(), **kwargs)
    return detect_scene(str(src), str(out), params, write_style=False)


def pixel_extent(row, col, rows, cols):
    """The map extent that covers exactly these pixels."""
    return (GT[0] + col * GT[1], GT[3] + (row + rows) * GT[5], GT[0] + (col + cols) * GT[1],
            GT[3] + row * GT[5])


def assert_same_scores(a, b):
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(a[~np.isnan(a)], b[~np.isnan(b)], atol=1e-4, rtol=1e-5)


@pytest.mark.parametrize("method", METHODS)
def test_an_area_scores_as_the_scene_cropped_beforehand(tmp_path, cube, method):
    src = write_cube(tmp_path / "scene.tif", cube)
    window = (9, 6, 30, 27)  # row, col, rows, cols
    result = detect(src, tmp_path / "area.tif", method,
                    SceneOptions(area=pixel_extent(*window)))
    assert (result.rows, result.cols) == window[2:]
    crop = tmp_path / "crop.tif"
    gdal.Translate(str(crop), src, srcWin=[window[1], window[0], window[3], window[2]])
    detect(crop, tmp_path / "crop_scores.tif", method)
    area, area_gt, metadata = scores(tmp_path / "area.tif")
    cropped, crop_gt, _ = scores(tmp_path / "crop_scores.tif")
    assert area_gt == crop_gt  # same CRS grid, same pixel alignment
    assert_same_scores(area, cropped)
    record = json.loads(metadata["HSAD_AREA"])
    assert record["window"] == {"row": 9, "col": 6, "rows": 30, "cols": 27, "of": [48, 40]}


@pytest.mark.parametrize("method", METHODS)
def test_masked_pixels_score_as_nodata_pixels(tmp_path, cube, method):
    src = write_cube(tmp_path / "scene.tif", cube, nodata=NODATA)
    mask = np.zeros(cube.shape[:2], np.uint8)
    mask[4:14, 10:26] = 1
    mask[40:44, :] = 7
    mask_path = write_cube(tmp_path / "mask.tif", mask[:, :, None], dtype="uint8")
    detect(src, tmp_path / "masked.tif", method, SceneOptions(exclude=(mask_path,)))
    reference = cube.copy()
    reference[mask != 0] = NODATA
    ref = write_cube(tmp_path / "reference.tif", reference, nodata=NODATA)
    detect(ref, tmp_path / "reference_scores.tif", method)
    masked, _, metadata = scores(tmp_path / "masked.tif")
    expected, _, _ = scores(tmp_path / "reference_scores.tif")
    assert np.isnan(masked[mask != 0]).all()
    assert_same_scores(masked, expected)
    record = json.loads(metadata["HSAD_AREA"])
    assert record["excluded_pixels"] == int((mask != 0).sum())
    assert record["excluded"][0]["files"] == [mask_path]
    if method == "rx":  # the threshold's promise counts only the pixels that were scored
        from hsad.engine.threshold import ThresholdRule, threshold_score_raster
        found = threshold_score_raster(str(tmp_path / "masked.tif"), str(tmp_path / "m.tif"),
                                       None, ThresholdRule("far", false_alarm_rate=0.01))
        assert found.valid_pixels == cube.shape[0] * cube.shape[1] - int((mask != 0).sum())
        assert found.mask_pixels <= 0.01 * found.valid_pixels + 1


def polygon_layer(path, polygons, epsg=32633):
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layer = ds.CreateLayer("areas", srs, ogr.wkbPolygon)
    for wkt in polygons:
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
        layer.CreateFeature(feature)
    ds = None
    return str(path)


def box_wkt(x0, y0, x1, y1):
    return f"POLYGON(({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0}))"


def centres_inside(polygons):
    rows, cols = np.mgrid[0:48, 0:40]
    xs, ys = GT[0] + (cols + 0.5) * GT[1], GT[3] + (rows + 0.5) * GT[5]
    inside = np.zeros((48, 40), bool)
    for wkt in polygons:
        geometry = ogr.CreateGeometryFromWkt(wkt)
        for r, c in zip(rows.ravel(), cols.ravel()):
            point = ogr.CreateGeometryFromWkt(f"POINT({xs[r, c]} {ys[r, c]})")
            inside[r, c] |= geometry.Contains(point)
    return inside


def test_polygon_area_and_polygons_to_exclude(tmp_path, cube):
    src = write_cube(tmp_path / "scene.tif", cube, nodata=NODATA)
    triangle = (f"POLYGON(({GT[0] + 100} {GT[3] - 100},{GT[0] + 1100} {GT[3] - 160},"
                f"{GT[0] + 500} {GT[3] - 1300},{GT[0] + 100} {GT[3] - 100}))")
    area = polygon_layer(tmp_path / "area.gpkg", [triangle])
    hole = box_wkt(GT[0] + 300, GT[3] - 700, GT[0] + 600, GT[3] - 400)
    exclude = polygon_layer(tmp_path / "exclude.gpkg", [hole])
    result = detect(src, tmp_path / "scores.tif", "rx",
                    SceneOptions(area=area, exclude=(exclude,)))
    inside = centres_inside([triangle]) & ~centres_inside([hole])
    rows, cols = np.nonzero(centres_inside([triangle]))
    window = (rows.min(), cols.min(), rows.max() - rows.min() + 1, cols.max() - cols.min() + 1)
    assert (result.rows, result.cols) == window[2:]
    got, gt, _ = scores(tmp_path / "scores.tif")
    np.testing.assert_array_equal(~np.isnan(got),
                                  inside[window[0]:window[0] + window[2],
                                         window[1]:window[1] + window[3]])
    assert gt == (GT[0] + window[1] * 30.0, 30.0, 0.0, GT[3] - window[0] * 30.0, 0.0, -30.0)
    reference = cube.copy()
    reference[~inside] = NODATA
    crop = reference[window[0]:window[0] + window[2], window[1]:window[1] + window[3]]
    ref = write_cube(tmp_path / "reference.tif", crop, nodata=NODATA, geotransform=gt)
    detect(ref, tmp_path / "reference_scores.tif", "rx")
    assert_same_scores(got, scores(tmp_path / "reference_scores.tif")[0])


def test_an_extent_in_another_crs_is_moved_onto_the_scene(tmp_path, cube):
    src = write_cube(tmp_path / "scene.tif", cube)
    utm, geographic = osr.SpatialReference(), osr.SpatialReference()
    utm.ImportFromEPSG(32633)
    geographic.ImportFromEPSG(4326)
    geographic.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    utm.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    to_lonlat = osr.CoordinateTransformation(utm, geographic)
    x0, y0, x1, y1 = pixel_extent(10, 8, 20, 16)
    corners = [to_lonlat.TransformPoint(x, y)[:2] for x in (x0, x1) for y in (y0, y1)]
    lon = [c[0] for c in corners]
    lat = [c[1] for c in corners]
    extent = (min(lon), min(lat), max(lon), max(lat))
    with open_scene(src, options=SceneOptions(area=extent, area_crs="EPSG:4326")) as scene:
        row, col, rows, cols = scene.window
    # the box of the moved extent holds the pixel window and hardly more
    assert row <= 10 and col <= 8 and row + rows >= 30 and col + cols >= 24
    assert rows <= 22 and cols <= 18


def test_a_mask_on_another_grid_is_resampled_nearest_neighbour(tmp_path, cube):
    src = write_cube(tmp_path / "scene.tif", cube)
    coarse = np.zeros((12, 10), np.uint8)  # 120 m pixels, offset by 60 m
    coarse[3, 4] = 1
    path = write_cube(tmp_path / "coarse.tif", coarse[:, :, None], dtype="uint8",
                      geotransform=(GT[0] - 60.0, 120.0, 0.0, GT[3] + 60.0, 0.0, -120.0))
    with open_scene(src, options=SceneOptions(exclude=(path,))) as scene:
        _, valid = scene.read(0, 0, 48, 40)
    rows, cols = np.mgrid[0:48, 0:40]
    coarse_row = ((rows + 0.5) * 30.0 + 60.0) // 120.0
    coarse_col = ((cols + 0.5) * 30.0 + 60.0) // 120.0
    expected = (coarse_row == 3) & (coarse_col == 4)
    np.testing.assert_array_equal(~valid, expected)


def test_wrong_masks_and_areas_are_one_line_errors(tmp_path, cube):
    src = write_cube(tmp_path / "scene.tif", cube)
    small = write_cube(tmp_path / "small.tif", np.ones((5, 5, 1), np.uint8), dtype="uint8",
                       geotransform=None, wkt=None)
    with pytest.raises(InputError, match=r"small.tif: has 5 x 5 pixels and no georeference"):
        open_scene(src, options=SceneOptions(exclude=(small,)))
    with pytest.raises(InputError, match=r"scene.tif: the area of interest .* does not cover"):
        open_scene(src, options=SceneOptions(area=(0.0, 0.0, 10.0, 10.0)))
    with pytest.raises(InputError, match=r"missing.gpkg: file not found"):
        open_scene(src, options=SceneOptions(area=str(tmp_path / "missing.gpkg")))
    with pytest.raises(InputError, match=r"no quality layers found"):
        open_scene(src, options=SceneOptions(quality=parse_quality("")))
    lines = polygon_layer(tmp_path / "lines.gpkg", [])
    with pytest.raises(InputError, match=r"lines.gpkg: the layer holds no polygons"):
        open_scene(src, options=SceneOptions(exclude=(lines,)))


def test_everything_excluded_is_refused(tmp_path, cube):
    src = write_cube(tmp_path / "scene.tif", cube)
    everything = write_cube(tmp_path / "all.tif", np.ones(cube.shape[:2] + (1,), np.uint8),
                            dtype="uint8")
    with pytest.raises(InputError, match=r"scene.tif: every pixel is nodata"):
        detect(src, tmp_path / "scores.tif", "rx", SceneOptions(exclude=(everything,)))
    assert not (tmp_path / "scores.tif").exists()


def test_parsing_what_users_type():
    assert parse_area("1,2,3,4") == (1.0, 2.0, 3.0, 4.0)
    assert parse_area("roads.gpkg|layername=x") == "roads.gpkg|layername=x"
    with pytest.raises(Exception, match="xmin must be below xmax"):
        parse_area("3,2,1,4")
    assert parse_quality("") == parse_quality("default")
    assert parse_quality("default,water")[-1] == "water"
    assert parse_quality("Cloud shadow,clouds") == ("cloudshadow", "cloud")
    with pytest.raises(Exception, match="unknown quality layer"):
        SceneOptions(quality=("fog",))


def test_the_command_line_and_batch_take_the_area_and_masks(tmp_path, cube):
    folder = tmp_path / "scenes"
    folder.mkdir()
    for name in ("a", "b"):
        write_cube(folder / f"{name}.tif", cube)
    mask = np.zeros(cube.shape[:2] + (1,), np.uint8)
    mask[0:5] = 1
    mask_path = write_cube(tmp_path / "mask.tif", mask, dtype="uint8")
    extent = ",".join(f"{v:.1f}" for v in pixel_extent(0, 0, 20, 20))
    out = tmp_path / "out"
    args = ["batch", folder, "-o", out, "--method", "rx", "--aoi", extent, "--exclude",
            mask_path, "-q"]
    done = run_hsad(args)
    assert done.returncode == 0, done.stderr
    got, _, metadata = scores(out / "a_rx.tif")
    assert got.shape == (20, 20) and np.isnan(got[:5]).all() and not np.isnan(got[5:]).any()
    assert json.loads(metadata["HSAD_REQUEST"])["scene"]["exclude"] == [mask_path]
    again = run_hsad(args + ["--json", "-"])
    assert [r["status"] for r in json.loads(again.stdout)["scenes"]] == ["skipped"] * 2
    other = run_hsad(args[:-3] + ["-q"])  # without the mask: the outputs are not those
    assert other.returncode == 1 and "other settings" in other.stderr


def test_an_area_reads_nothing_outside_its_window(tmp_path, cube, monkeypatch):
    from hsad.engine.scenes.raster import GdalScene
    src = write_cube(tmp_path / "scene.tif", cube)
    reads = []
    real = GdalScene._read

    def recording(self, row, col, rows, cols, out=None):
        reads.append((row, col, rows, cols))
        return real(self, row, col, rows, cols, out)

    monkeypatch.setattr(GdalScene, "_read", recording)
    window = (20, 12, 16, 10)
    detect(src, tmp_path / "area.tif", "lrx", SceneOptions(area=pixel_extent(*window)))
    assert reads
    for row, col, rows, cols in reads:
        assert window[0] <= row and row + rows <= window[0] + window[2]
        assert window[1] <= col and col + cols <= window[1] + window[3]
