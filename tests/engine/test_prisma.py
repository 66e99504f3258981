"""PRISMA Level-2 products read as delivered: two cubes, reversed bands, counts, corner grid."""
from __future__ import annotations

import numpy as np
import pytest

from hsad.engine.errors import InputError
from hsad.engine.scenes.raster import open_scene
from support import run_hsad

h5py = pytest.importorskip("h5py")

NAME = "PRS_L2D_STD_20200101000000_20200101000004_0001.he5"
VNIR_CW = [980.0, 900.0, 0.0, 700.0, 550.0, 410.0]  # descending, one unused slot
SWIR_CW = [2450.0, 2000.0, 1500.0, 0.0, 1000.0, 940.0]
SCALES = {"Vnir": (0.0, 0.8), "Swir": (0.01, 0.6)}


def write_prisma(path, rows=12, cols=10, geocoded=True, parts=("VNIR", "SWIR")):
    """An HDF-EOS5 file laid out as PRISMA L2D delivers it; returns the raw cubes."""
    rng = np.random.default_rng(0)
    raw = {part: rng.integers(1, 60000, size=(rows, 6, cols)).astype(np.uint16)
           for part in ("VNIR", "SWIR")}
    for cube in raw.values():
        cube[0, :, 0] = 0  # outside the acquisition
    with h5py.File(path, "w") as f:
        fields = f.create_group("HDFEOS/SWATHS/PRS_L2D_HCO/Data Fields")
        for part in parts:
            fields.create_dataset(f"{part}_Cube", data=raw[part], chunks=(4, 6, cols),
                                  compression="gzip")
        f.create_dataset("HDFEOS/SWATHS/PRS_L2D_HCO/Geolocation Fields/Latitude",
                         data=np.zeros((rows, cols), np.float32))
        attrs = f.attrs
        attrs["List_Cw_Vnir"] = np.array(VNIR_CW, np.float32)
        attrs["List_Cw_Swir"] = np.array(SWIR_CW, np.float32)
        attrs["List_Fwhm_Vnir"] = np.full(6, 10.5, np.float32)
        attrs["List_Fwhm_Swir"] = np.full(6, 12.25, np.float32)
        for part, (low, high) in SCALES.items():
            attrs[f"L2Scale{part}Min"] = np.float32(low)
            attrs[f"L2Scale{part}Max"] = np.float32(high)
        if geocoded:
            attrs["Epsg_Code"] = np.int32(32632)
            attrs["Product_ULcorner_easting"] = 500015.0
            attrs["Product_ULcorner_northing"] = 4999985.0
            attrs["Product_LRcorner_easting"] = 500015.0 + 30 * (cols - 1)
            attrs["Product_LRcorner_northing"] = 4999985.0 - 30 * (rows - 1)
    return raw


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
