"""EMIT granules read as delivered: the GLT ortho-correction pixel by pixel, the map grid, the
band metadata, the sensor grid on request, bounded reads, and the mask granule's flags."""
from __future__ import annotations

import json

import numpy as np
import pytest

from hsad.engine.errors import InputError
from hsad.engine.scenes import emit
from hsad.engine.scenes.emit import EmitScene
from hsad.engine.scenes.options import SceneOptions
from hsad.engine.scenes.raster import open_scene
from product_files import (EMIT_GEOTRANSFORM, EMIT_MASK, EMIT_RFL, MASK_BANDS, swath_glt,
                           write_emit, write_emit_mask)
from support import run_hsad

h5py = pytest.importorskip("h5py")
SENSOR, ORTHO, BANDS = (40, 30), (52, 44), 24


def granule(tmp_path, **kwargs):
    rng = np.random.default_rng(3)
    cube = (0.05 + 0.3 * rng.random(SENSOR + (BANDS,))).astype(np.float32)
    glt = swath_glt(SENSOR, ORTHO)
    path = write_emit(tmp_path, cube, ORTHO, glt, **kwargs)
    return path, cube, glt


def expected_ortho(cube, glt, fill_rows=()):
    glt_x, glt_y = glt
    out = np.full(glt_x.shape + (cube.shape[2],), np.nan, np.float32)
    reached = (glt_x != 0) & (glt_y != 0)
    source = cube.copy()
    source[list(fill_rows)] = np.nan
    out[reached] = source[np.abs(glt_y[reached]) - 1, np.abs(glt_x[reached]) - 1]
    return out


def test_every_ortho_pixel_is_the_glt_source_pixel(tmp_path, monkeypatch):
    path, cube, glt = granule(tmp_path, fill_rows=(7,))
    assert (glt[0] < 0).any() and (glt[0] == 0).any()  # filled and unreached pixels exist
    monkeypatch.setattr(emit, "BOX_MINIMUM", 16)  # force the sensor boxes to split
    expected = expected_ortho(cube, glt, fill_rows=(7,))
    with open_scene(path) as scene:
        info = scene.info
        assert (info.rows, info.cols, info.bands) == ORTHO + (BANDS,)
        got = np.full(expected.shape, -1.0, np.float32)
        for row in range(0, ORTHO[0], 11):  # odd windows: every pixel through a window
            for col in range(0, ORTHO[1], 9):
                rows, cols = min(11, ORTHO[0] - row), min(9, ORTHO[1] - col)
                got[row:row + rows, col:col + cols] = scene.read_raw(row, col, rows, cols)
        _, valid = scene.read(0, 0, *ORTHO)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_array_equal(got[~np.isnan(got)], expected[~np.isnan(expected)])
    reached = glt[0] != 0
    assert not valid[~reached].any()  # nodata where the GLT reaches nothing
    assert not valid[np.abs(glt[1]) == 8].any()  # the fill row of the sensor grid
    assert valid[reached & (np.abs(glt[1]) != 8)].all()


def test_map_grid_crs_wavelengths_and_good_bands_are_the_files(tmp_path):
    good = np.ones(BANDS, np.uint8)
    good[[5, 6, 17]] = 0
    wavelengths = np.linspace(381.0, 2493.0, BANDS)
    path, _, _ = granule(tmp_path, good=good, wavelengths=wavelengths)
    with open_scene(path) as scene:
        info = scene.info
        assert info.geotransform == EMIT_GEOTRANSFORM
        assert "4326" in info.crs_wkt
        np.testing.assert_allclose(info.file_spectral.wavelengths_nm, wavelengths, rtol=1e-6)
        np.testing.assert_allclose(info.file_spectral.fwhm_nm, 8.5)
        assert list(np.flatnonzero(~info.file_spectral.good_bands)) == [5, 6, 17]
        assert info.band_indices == [b for b in range(BANDS) if b not in (5, 6, 17)]


def test_hsad_info_and_detect_give_the_products_grid(tmp_path):
    rasterio = pytest.importorskip("rasterio")
    good = np.ones(BANDS, np.uint8)
    good[:2] = 0
    path, _, glt = granule(tmp_path, good=good)
    done = run_hsad(["info", path, "--json", "-"])
    assert done.returncode == 0, done.stderr
    described = json.loads(done.stdout)
    assert (described["rows"], described["cols"], described["bands"]) == ORTHO + (BANDS,)
    assert described["geotransform"] == list(EMIT_GEOTRANSFORM)
    assert described["crs"].endswith("(EPSG:4326)")
    assert described["bad_bands"] == [1, 2]
    assert described["wavelength_range_nm"] == pytest.approx([381.0, 2493.0])
    out = tmp_path / "emit_rx.tif"
    done = run_hsad(["detect", path, "-o", out, "--method", "rx", "-q"])
    assert done.returncode == 0, done.stderr
    with rasterio.open(out) as ds:
        assert ds.crs.to_epsg() == 4326
        x0, dx, _, y0, _, dy = EMIT_GEOTRANSFORM
        assert ds.bounds.left == pytest.approx(x0) and ds.bounds.top == pytest.approx(y0)
        assert ds.bounds.right == pytest.approx(x0 + ORTHO[1] * dx)
        assert ds.bounds.bottom == pytest.approx(y0 + ORTHO[0] * dy)
        scores = ds.read(1, masked=True)
    np.testing.assert_array_equal(~scores.mask, glt[0] != 0)


def test_gdal_lists_and_h5py_reads_the_built_granule(tmp_path):
    from osgeo import gdal
    path, cube, _ = granule(tmp_path)
    names = [name for name, _ in gdal.Open(path).GetSubDatasets()]
    assert any(name.endswith(":reflectance") for name in names)
    assert any("glt_x" in name for name in names)
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(f["reflectance"][3], cube[3])
        assert f["location/glt_x"].shape == ORTHO


def test_the_sensor_grid_on_request(tmp_path):
    path, cube, _ = granule(tmp_path)
    with open_scene(path, options=SceneOptions(sensor_grid=True)) as scene:
        info = scene.info
        assert (info.rows, info.cols) == SENSOR and not info.has_georeference
        np.testing.assert_array_equal(scene.read_raw(0, 0, *SENSOR), cube)


def test_a_radiance_granule_reads_the_same_way(tmp_path):
    rng = np.random.default_rng(4)
    cube = (1 + 10 * rng.random(SENSOR + (BANDS,))).astype(np.float32)
    glt = swath_glt(SENSOR, ORTHO)
    path = write_emit(tmp_path, cube, ORTHO, glt, variable="radiance",
                      name=EMIT_RFL.replace("L2A_RFL", "L1B_RAD"))
    with open_scene(path) as scene:
        assert "L1B radiance" in scene.info.driver
        got = scene.read_raw(0, 0, *ORTHO)
    expected = expected_ortho(cube, glt)
    np.testing.assert_array_equal(got[~np.isnan(got)], expected[~np.isnan(expected)])


def test_a_window_reads_only_the_sensor_pixels_it_needs(tmp_path, monkeypatch):
    path, _, glt = granule(tmp_path)
    (tmp_path / "again").mkdir()
    boxes = []
    real = EmitScene._read_box

    def recording(self, array, row0, row1, col0, col1):
        boxes.append((row1 - row0) * (col1 - col0))
        return real(self, array, row0, row1, col0, col1)

    monkeypatch.setattr(EmitScene, "_read_box", recording)
    monkeypatch.setattr(emit, "BOX_MINIMUM", 1)
    with EmitScene(path) as scene:
        scene.read_raw(10, 10, 8, 8)
        assert boxes and max(boxes) <= emit.BOX_FACTOR * 64
        assert sum(boxes) < SENSOR[0] * SENSOR[1] / 4
        boxes.clear()
        row = scene.read_raw(ORTHO[0] // 2, 0, 1, ORTHO[1])  # one map row across the swath
        assert max(boxes) <= emit.BOX_FACTOR * ORTHO[1]
    expected = expected_ortho(*granule(tmp_path / "again")[1:])[ORTHO[0] // 2]
    np.testing.assert_array_equal(row[0][~np.isnan(row[0])], expected[~np.isnan(expected)])


def test_the_mask_granule_excludes_the_flagged_pixels(tmp_path):
    rasterio = pytest.importorskip("rasterio")
    path, _, glt = granule(tmp_path)
    cloud = np.zeros(SENSOR, bool)
    cloud[5:12, 4:10] = True
    water = np.zeros(SENSOR, bool)
    water[30:, :] = True
    write_emit_mask(tmp_path, {"Cloud flag": cloud, "Water flag": water}, SENSOR, glt)
    reached = glt[0] != 0
    down, cross = np.abs(glt[1]) - 1, np.abs(glt[0]) - 1
    on_cloud = reached & cloud[down, cross]
    on_water = reached & water[down, cross]
    assert on_cloud.sum() > 20 and on_water.sum() > 20
    out = tmp_path / "score.tif"
    done = run_hsad(["detect", path, "-o", out, "--method", "rx", "--quality-masks", "-q"])
    assert done.returncode == 0, done.stderr
    with rasterio.open(out) as ds:
        valid = ~ds.read(1, masked=True).mask
        area = json.loads(ds.tags()["HSAD_AREA"])
    np.testing.assert_array_equal(valid, reached & ~on_cloud)  # water kept by default
    assert area["excluded_pixels"] == on_cloud.sum()
    assert any("cloud" in item["what"] and item["files"][0].endswith(EMIT_MASK)
               for item in area["excluded"])
    done = run_hsad(["detect", path, "-o", out, "--method", "rx", "--overwrite", "-q",
                     "--quality-masks", "default,water"])
    assert done.returncode == 0, done.stderr
    with rasterio.open(out) as ds:
        np.testing.assert_array_equal(~ds.read(1, masked=True).mask,
                                      reached & ~on_cloud & ~on_water)


def test_mask_flags_are_found_by_their_names(tmp_path):
    """A newer mask granule orders its bands differently: the flags are taken by name."""
    path, _, glt = granule(tmp_path)
    mask = write_emit_mask(tmp_path, {}, SENSOR, glt)
    names = ["Cloud Flag", "Cirrus Flag", "Water Flag", "Dilated Cloud Flag",
             "SpecTf-Cloud Probability", "SpecTf-Cloud Flag", "SpecTf-Buffer Distance",
             "Aggregate Flag"]
    with h5py.File(mask, "r+") as f:
        del f["sensor_band_parameters/mask_bands"]
        f["sensor_band_parameters"].create_dataset(
            "mask_bands", data=np.array(names, dtype=object), dtype=h5py.string_dtype())
    assert emit.mask_flags(mask) == {"cloud": 0, "cirrus": 1, "water": 2, "dilated_cloud": 3}
    assert MASK_BANDS[3] == "Spacecraft Flag"  # the v001 order the fixture writes by default


def test_damaged_granules_are_one_line_errors(tmp_path):
    path, _, glt = granule(tmp_path)
    row, col = (int(v[0]) for v in np.nonzero(glt[0] > 0))
    with h5py.File(path, "r+") as f:
        glt_x = f["location/glt_x"][...]
        glt_x[row, col] = SENSOR[1] + 5
        f["location/glt_x"][...] = glt_x
    with pytest.raises(InputError, match=r"\.nc: the GLT points outside the sensor grid"):
        with open_scene(path) as scene:
            scene.read_raw(row, col, 2, 2)
    (tmp_path / "other").mkdir()
    path2, _, _ = granule(tmp_path / "other")
    with h5py.File(path2, "r+") as f:
        del f["sensor_band_parameters/wavelengths"]
        f["sensor_band_parameters"].create_dataset("wavelengths",
                                                   data=np.arange(5, dtype=np.float32))
    with pytest.raises(InputError, match=r"wavelengths has 5 entries but the cube has 24"):
        open_scene(path2)


def test_companion_granules_are_not_scenes(tmp_path):
    path, _, glt = granule(tmp_path)
    mask = write_emit_mask(tmp_path, {}, SENSOR, glt)
    with pytest.raises(InputError, match=r"MASK.*\.nc: is an EMIT companion product"):
        open_scene(mask)
    from hsad.engine.batch.discovery import find_scenes
    assert find_scenes(str(tmp_path)) == [path]


def test_a_folder_of_granules_in_hsad_batch(tmp_path):
    folder = tmp_path / "emit"
    folder.mkdir()
    path, _, glt = granule(folder)
    cloud = np.zeros(SENSOR, bool)
    cloud[20:26, 10:20] = True
    write_emit_mask(folder, {"Cloud flag": cloud}, SENSOR, glt)
    done = run_hsad(["batch", folder, "-o", tmp_path / "scores", "--method", "rx",
                     "--quality-masks", "--json", "-", "-q"])
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert [r["scene"] for r in summary["scenes"] if r["status"] == "done"] == [EMIT_RFL]
    mask = [r for r in summary["scenes"] if r["scene"] != EMIT_RFL]  # no scene, but listed
    assert [(r["status"], r["reason"]) for r in mask] == \
        [("skipped", "a companion granule of an EMIT product, not a cube")]
    reached = glt[0] != 0
    on_cloud = reached & cloud[np.abs(glt[1]) - 1, np.abs(glt[0]) - 1]
    assert summary["scenes"][0]["statistics"]["valid_pixels"] == (reached & ~on_cloud).sum()
