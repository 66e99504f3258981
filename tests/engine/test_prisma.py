"""PRISMA Level-2 products read as delivered: two cubes, reversed bands, counts, corner grid."""
from __future__ import annotations

import numpy as np
import pytest

from hsad.engine.errors import InputError
from hsad.engine.scenes.raster import open_scene
from product_files import NAME, SCALES, SWIR_CW, VNIR_CW, write_prisma
from support import run_hsad

h5py = pytest.importorskip("h5py")


def expected_cube(raw):
    """Reflectance, VNIR then SWIR, each in ascending wavelength, as the reader should give."""
    out = []
    for part, centres in (("VNIR", VNIR_CW), ("SWIR", SWIR_CW)):
        low, high = (np.float32(v) for v in SCALES[part.capitalize()])
        used = [i for i in np.argsort(centres) if centres[i] > 0]
        counts = raw[part][:, used, :].transpose(0, 2, 1).astype(np.float64)
        out.append(low + counts * (high - low) / 65535.0)
    return np.concatenate(out, axis=2)


def test_product_reads_as_one_cube_with_wavelengths_and_map_grid(tmp_path):
    raw = write_prisma(tmp_path / NAME)
    with open_scene(str(tmp_path / NAME)) as scene:
        info = scene.info
        assert (info.rows, info.cols, info.bands) == (12, 10, 10)
        np.testing.assert_allclose(info.spectral.wavelengths_nm,
                                   [410, 550, 700, 900, 980, 940, 1000, 1500, 2000, 2450])
        np.testing.assert_allclose(info.spectral.fwhm_nm, [10.5] * 5 + [12.25] * 5)
        assert "EPSG\",\"32632" in info.crs_wkt.replace(" ", "")
        assert info.geotransform == (500000.0, 30.0, 0.0, 5000000.0, 0.0, -30.0)
        whole, valid = scene.read(0, 0, 12, 10)
        window, _ = scene.read(3, 2, 5, 6)
    expected = expected_cube(raw)
    assert not valid[0, 0] and valid.sum() == 12 * 10 - 1
    np.testing.assert_allclose(whole[valid], expected[valid], rtol=1e-5)
    np.testing.assert_array_equal(window, whole[3:8, 2:8])


def test_hsad_detect_writes_a_georeferenced_score(tmp_path):
    rasterio = pytest.importorskip("rasterio")
    write_prisma(tmp_path / NAME)
    out = tmp_path / "score.tif"
    done = run_hsad(["detect", str(tmp_path / NAME), "-o", str(out), "--method", "rx", "-q"])
    assert done.returncode == 0, done.stderr
    with rasterio.open(out) as ds:
        assert ds.crs.to_epsg() == 32632
        assert tuple(ds.transform)[:6] == (30.0, 0.0, 500000.0, 0.0, -30.0, 5000000.0)
        scores = ds.read(1, masked=True)
    assert scores.mask[0, 0] and scores.count() == 12 * 10 - 1


def test_swath_products_have_no_map_grid(tmp_path):
    write_prisma(tmp_path / NAME.replace("L2D", "L2C"), geocoded=False)
    with open_scene(str(tmp_path / NAME.replace("L2D", "L2C"))) as scene:
        assert not scene.info.has_georeference


def test_a_product_without_its_swir_cube_is_one_line(tmp_path):
    write_prisma(tmp_path / NAME, parts=("VNIR",))
    with pytest.raises(InputError, match=r"\.he5: not a PRISMA Level-2 product"):
        open_scene(str(tmp_path / NAME))


def test_other_multi_dataset_files_name_what_to_do(tmp_path):
    path = tmp_path / "campaign.h5"
    with h5py.File(path, "w") as f:
        f["radiance"] = np.ones((3, 4, 5), np.float32)
        f["quality"] = np.ones((4, 5), np.uint8)
    with pytest.raises(InputError, match=r"campaign.h5: holds 2 datasets, not one cube .*"
                                         r"export the cube to GeoTIFF or ENVI"):
        open_scene(str(path))


def test_an_extra_nodata_value_applies_to_the_raw_counts(tmp_path):
    path = tmp_path / NAME
    write_prisma(path)
    with h5py.File(path, "r+") as f:
        cube = f["HDFEOS/SWATHS/PRS_L2D_HCO/Data Fields/SWIR_Cube"]
        block = cube[5]
        block[1, 4] = 7  # one count in one used SWIR band (2000 nm) of pixel (5, 4)
        cube[5] = block
    with open_scene(str(path), nodata=7) as scene:
        _, valid = scene.read(0, 0, 12, 10)
    assert not valid[5, 4] and not valid[0, 0] and valid.sum() == 12 * 10 - 2
    with open_scene(str(path)) as scene:
        assert scene.read(0, 0, 12, 10)[1][5, 4]  # without it, the count is data
