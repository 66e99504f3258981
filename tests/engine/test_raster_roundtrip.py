"""Reading real formats: every ENVI interleave, several data types, GeoTIFF, odd grids."""
from __future__ import annotations

import numpy as np
import pytest

from hsad.engine.scenes.raster import open_scene
from support import custom_wkt, write_cube


def _cube(rows=9, cols=7, bands=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(1, 3000, size=(rows, cols, bands)).astype(np.float64)


@pytest.mark.parametrize("interleave", ["BSQ", "BIL", "BIP"])
@pytest.mark.parametrize("dtype", ["uint8", "int16", "uint16", "int32", "float32", "float64"])
def test_envi_every_interleave_and_type_reads_back_exactly(tmp_path, interleave, dtype):
    cube = _cube() % 250 if dtype == "uint8" else _cube()
    path = write_cube(tmp_path / f"scene.{interleave.lower()}", cube, driver="ENVI",
                      interleave=interleave, dtype=dtype)
    with open_scene(path) as scene:
        info = scene.info
        assert (info.rows, info.cols, info.bands) == cube.shape
        assert info.interleave == {"BSQ": "BAND", "BIL": "LINE", "BIP": "PIXEL"}[interleave]
        data, valid = scene.read(0, 0, info.rows, info.cols)
        window, _ = scene.read(2, 3, 4, 2)
    assert data.dtype == np.float32
    np.testing.assert_array_equal(data, cube.astype(dtype).astype(np.float32))
    np.testing.assert_array_equal(window, data[2:6, 3:5])
    assert valid.all()


@pytest.mark.parametrize("interleave", ["BSQ", "BIL", "BIP"])
@pytest.mark.parametrize("dtype", ["int16", "float32"])
def test_windows_read_a_few_rows_at_a_time_are_exact(tmp_path, monkeypatch, interleave, dtype):
    # 3 rows per GDAL read, so windows span several reads and their reordering to pixel order
    from hsad.engine.scenes import raster
    monkeypatch.setattr(raster, "REORDER_VALUES", 3 * 11 * 13)
    cube = _cube(rows=23, cols=11, bands=13, seed=4)
    path = write_cube(tmp_path / f"scene.{interleave.lower()}", cube, driver="ENVI",
                      interleave=interleave, dtype=dtype)
    expected = cube.astype(dtype).astype(np.float32)
    with open_scene(path, bands=[2, 5, 6, 7, 13]) as scene:
        window, _ = scene.read(4, 2, 17, 9)
        into = np.empty((8, 11, 5), np.float32)
        scene.read(15, 0, 8, 11, out=into)
    np.testing.assert_array_equal(window, expected[4:21, 2:11][:, :, [1, 4, 5, 6, 12]])
    np.testing.assert_array_equal(into, expected[15:23][:, :, [1, 4, 5, 6, 12]])


@pytest.mark.parametrize("interleave", ["BSQ", "BIL"])
def test_band_and_line_files_are_read_past_gdals_block_cache(tmp_path, interleave):
    # GDAL would cache such a file one line of one band per block: slow, and up to 128 MB
    from osgeo import gdal
    cube = _cube(rows=64, cols=50, bands=40, seed=5)
    path = write_cube(tmp_path / f"scene.{interleave.lower()}", cube, driver="ENVI",
                      interleave=interleave)
    with open_scene(path) as scene:
        before = gdal.GetCacheUsed()
        data, _ = scene.read(0, 0, 64, 50)
        assert gdal.GetCacheUsed() - before < cube.size  # bytes; caching it would take 4 x
    np.testing.assert_array_equal(data, cube.astype(np.float32))


def test_envi_big_endian_data_reads_correctly(tmp_path):
    cube = _cube()
    path = tmp_path / "be.dat"
    cube.astype(">i2").transpose(2, 0, 1).tofile(path)  # BSQ, big endian
    (tmp_path / "be.hdr").write_text(
        "ENVI\nsamples = 7\nlines = 9\nbands = 5\nheader offset = 0\nfile type = ENVI Standard\n"
        "data type = 2\ninterleave = bsq\nbyte order = 1\n")
    with open_scene(str(path)) as scene:
        data, _ = scene.read(0, 0, 9, 7)
    np.testing.assert_array_equal(data, cube.astype(np.float32))


def test_extensionless_envi_data_file(tmp_path):
    cube = _cube()
    path = write_cube(tmp_path / "flightline", cube, driver="ENVI")
    with open_scene(path) as scene:
        assert scene.info.driver == "ENVI"
        assert scene.info.bands == 5


@pytest.mark.parametrize("geotransform", [
    (500000.0, 30.0, 0.0, 4100000.0, 0.0, -30.0),        # north up
    (500000.0, 25.0, 8.0, 4100000.0, 6.0, -25.0),         # rotated
    (500000.0, 30.0, 0.0, 4100000.0, 0.0, 30.0),          # south up
])
def test_geotiff_georeferencing_is_read_exactly(tmp_path, geotransform):
    path = write_cube(tmp_path / "g.tif", _cube(), geotransform=geotransform, wkt=custom_wkt())
    with open_scene(path) as scene:
        assert scene.info.geotransform == geotransform
        assert "Local survey grid" in scene.info.crs_wkt


def test_band_subset_is_one_based_and_ordered(tmp_path):
    cube = _cube()
    path = write_cube(tmp_path / "s.tif", cube)
    with open_scene(path, bands=[5, 1, 3]) as scene:
        data, _ = scene.read(0, 0, 9, 7)
        assert scene.info.band_indices == [4, 0, 2]
    np.testing.assert_array_equal(data, cube[:, :, [4, 0, 2]].astype(np.float32))


def test_nodata_and_nan_make_pixels_invalid(tmp_path):
    cube = _cube().astype(np.float32)
    cube[1, 1, 2] = -9999
    cube[4, 5, :] = -9999
    cube[6, 0, 1] = np.nan
    cube[7, 3, :] = 0  # an all-zero fill pixel
    path = write_cube(tmp_path / "n.tif", cube, nodata=-9999)
    with open_scene(path) as scene:
        data, valid = scene.read(0, 0, 9, 7)
    expected = np.ones((9, 7), bool)
    expected[1, 1] = expected[4, 5] = expected[6, 0] = expected[7, 3] = False
    np.testing.assert_array_equal(valid, expected)
    assert np.isnan(data[1, 1, 2]) and data[1, 1, 0] == cube[1, 1, 0]


def test_band_scale_and_offset_are_applied(tmp_path):
    from osgeo import gdal
    cube = _cube()
    path = write_cube(tmp_path / "s.tif", cube, dtype="int16")
    ds = gdal.Open(path, gdal.GA_Update)
    for b in range(5):
        ds.GetRasterBand(b + 1).SetScale(0.0001)
        ds.GetRasterBand(b + 1).SetOffset(0.5)
    ds = None
    with open_scene(path) as scene:
        data, _ = scene.read(0, 0, 9, 7)
        assert scene.info.scale == pytest.approx(0.0001)
    np.testing.assert_allclose(data, cube * 0.0001 + 0.5, rtol=1e-6)


def test_envi_reflectance_scale_factor_is_applied(tmp_path):
    cube = _cube()
    path = write_cube(tmp_path / "r.img", cube, driver="ENVI", dtype="int16",
                      envi_metadata={"reflectance_scale_factor": "10000"})
    with open_scene(path) as scene:
        data, _ = scene.read(0, 0, 9, 7)
    np.testing.assert_allclose(data, cube / 10000.0, rtol=1e-6)


def test_bands_empty_everywhere_are_dropped(tmp_path):
    cube = _cube().astype(np.float32)
    cube[:, :, 2] = -32768
    path = write_cube(tmp_path / "e.tif", cube, nodata=-32768)
    with open_scene(path) as scene:
        assert scene.info.band_indices == [0, 1, 3, 4]
        assert scene.info.dropped_bands == {"no valid pixel": [2]}
        _, valid = scene.read(0, 0, 9, 7)
    assert valid.all()
