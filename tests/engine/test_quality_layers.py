"""Product quality layers applied by one switch: EnMAP L2A QL_QUALITY_* files, DESIS L2A
QL_QUALITY-2 and its METADATA.xml, PRISMA's Cloud_Mask; generated products with known cloud
pixels (EMIT's mask granule: test_emit.py)."""
from __future__ import annotations

import json

import numpy as np
import pytest
from osgeo import gdal

from hsad.engine.errors import InputError
from hsad.engine.pipeline import DetectParameters, detect_scene
from hsad.engine.scenes.options import SceneOptions, parse_quality
from hsad.engine.scenes.raster import open_scene
from product_files import NAME, PRODUCT, write_enmap_product, write_prisma
from support import run_hsad, scene_with_targets, write_cube

gdal.UseExceptions()
ROWS, COLS = 36, 30
ENMAP_LAYERS = ("CLOUD", "CLOUDSHADOW", "HAZE", "SNOW", "CIRRUS")
DESIS = "DESIS-HSI-L2A-DT0707652640_011-20220404T193259-V0220"


def enmap_with_layers(folder):
    """An EnMAP L2A product whose quality layers flag known blocks; returns the flags."""
    cube, _ = scene_with_targets(rows=ROWS, cols=COLS, bands=8, seed=2,
                                 targets=((5, 7), (20, 25)))
    image = write_enmap_product(folder, cube=np.round(cube).astype(np.int16))
    flags = {}
    for k, layer in enumerate(ENMAP_LAYERS):
        values = np.zeros((ROWS, COLS), np.uint8)
        values[2 + 6 * k:5 + 6 * k, 3:9 + k] = 1
        flags[layer] = values
        write_cube(folder / f"{PRODUCT}-QL_QUALITY_{layer}.TIF", values[:, :, None],
                   dtype="uint8")
    classes = np.ones((ROWS, COLS), np.uint8)
    classes[:, 24:] = 2  # water
    classes[0, :] = 3  # background
    flags["CLASSES"] = classes
    write_cube(folder / f"{PRODUCT}-QL_QUALITY_CLASSES.TIF", classes[:, :, None], dtype="uint8")
    return image, flags


def valid_scores(path):
    ds = gdal.Open(str(path))
    values = ds.ReadAsArray()
    return values != ds.GetRasterBand(1).GetNoDataValue(), ds.GetMetadata()


def test_enmap_quality_layers_by_one_switch(tmp_path):
    image, flags = enmap_with_layers(tmp_path)
    clouds = np.zeros((ROWS, COLS), bool)
    for layer in ENMAP_LAYERS:
        clouds |= flags[layer] != 0
    out = tmp_path / "scores.tif"
    done = run_hsad(["detect", image, "-o", out, "--method", "rx", "--quality-masks", "-q"])
    assert done.returncode == 0, done.stderr
    valid, metadata = valid_scores(out)
    np.testing.assert_array_equal(valid, ~clouds)  # water kept unless asked for
    record = json.loads(metadata["HSAD_AREA"])
    assert record["excluded_pixels"] == clouds.sum()
    assert {item["what"].split(" ")[0] for item in record["excluded"]} == \
        {"cloud", "cloudshadow", "haze", "snow", "cirrus"}
    done = run_hsad(["detect", image, "-o", out, "--method", "rx", "--overwrite", "-q",
                     "--quality-masks", "default,water"])
    assert done.returncode == 0, done.stderr
    np.testing.assert_array_equal(valid_scores(out)[0], ~clouds & (flags["CLASSES"] != 2))


def test_excluded_quality_pixels_score_as_nodata(tmp_path):
    image, flags = enmap_with_layers(tmp_path)
    cloud = flags["CLOUD"] != 0
    detect_scene(image, str(tmp_path / "q.tif"),
                 DetectParameters(method="rx", scene=SceneOptions(quality=("cloud",))),
                 write_style=False)
    with open_scene(image) as scene:
        cube = scene.read(0, 0, ROWS, COLS)[0]
    cube[cloud] = -1.0
    reference = write_cube(tmp_path / "reference.tif", cube, nodata=-1.0)
    detect_scene(reference, str(tmp_path / "r.tif"), DetectParameters(method="rx"),
                 write_style=False)
    a = gdal.Open(str(tmp_path / "q.tif")).ReadAsArray()
    b = gdal.Open(str(tmp_path / "r.tif")).ReadAsArray()
    np.testing.assert_allclose(a, b, atol=1e-4)


def test_hsad_info_lists_the_products_quality_layers(tmp_path):
    image, _ = enmap_with_layers(tmp_path)
    done = run_hsad(["info", image, "--json", "-"])
    assert done.returncode == 0, done.stderr
    layers = json.loads(done.stdout)["quality_layers"]
    assert set(layers) == {"cloud", "cloudshadow", "haze", "snow", "cirrus", "water"}
    assert "QL_QUALITY_CLASSES" in layers["water"]


def write_desis(folder, bands=12, cube=None):
    """A DESIS L2A product: int16 SPECTRAL_IMAGE.tif, METADATA.xml, QL_QUALITY-2.tif."""
    rng = np.random.default_rng(6)
    if cube is None:
        cube = rng.integers(200, 4000, size=(ROWS, COLS, bands)).astype(np.int16)
    cube[0, :, :] = -32768
    image = write_cube(folder / f"{DESIS}-SPECTRAL_IMAGE.tif", cube, dtype="int16")
    wavelengths = np.linspace(401.3, 998.8, bands)
    entries = "".join(
        f"<band><bandNumber>{i + 1}</bandNumber><wavelengthCenterOfBand>{w:.3f}"
        f"</wavelengthCenterOfBand><wavelengthWidthOfBand>2.55</wavelengthWidthOfBand>"
        f"<gainOfBand>0.0001</gainOfBand><offsetOfBand>0</offsetOfBand></band>"
        for i, w in reversed(list(enumerate(wavelengths))))  # listed in any order
    (folder / f"{DESIS}-METADATA.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><hsi_doc><base><mission>DESIS</mission>'
        f"<backgroundValue>-32768</backgroundValue></base><specific><numberOfBands>{bands}"
        f"</numberOfBands><bandCharacterisation>{entries}</bandCharacterisation></specific>"
        "</hsi_doc>")
    quality = np.zeros((ROWS, COLS, 10), np.uint8)
    quality[5:9, 5:9, 5] = 1  # cloud over land
    quality[20:23, 2:6, 6] = 1  # cloud over water
    quality[12:14, 20:25, 0] = 1  # shadow
    quality[:, 26:, 7] = 1  # water
    write_cube(folder / f"{DESIS}-QL_QUALITY-2.tif", quality, dtype="uint8")
    return image, cube, wavelengths, quality


def test_desis_product_is_recognised(tmp_path):
    image, cube, wavelengths, quality = write_desis(tmp_path)
    with open_scene(image) as scene:
        info = scene.info
        np.testing.assert_allclose(info.file_spectral.wavelengths_nm, wavelengths, atol=1e-3)
        np.testing.assert_allclose(info.file_spectral.fwhm_nm, 2.55)
        assert info.nodata == -32768  # the XML's backgroundValue
        got, valid = scene.read(0, 0, ROWS, COLS)
    assert not valid[0].any() and valid[1:].all()
    np.testing.assert_allclose(got[1:], cube[1:] * 1e-4, rtol=1e-5)
    out = tmp_path / "scores.tif"
    done = run_hsad(["detect", image, "-o", out, "--method", "rx", "--quality-masks", "-q"])
    assert done.returncode == 0, done.stderr
    excluded = (quality[:, :, [0, 2, 3, 4, 5, 6]] != 0).any(axis=2)
    excluded[0] = True  # background
    np.testing.assert_array_equal(valid_scores(out)[0], ~excluded)


def test_prisma_cloud_mask_in_the_he5(tmp_path):
    h5py = pytest.importorskip("h5py")
    path = tmp_path / NAME
    write_prisma(path)
    cloud = np.zeros((12, 10), np.uint8)
    cloud[3:6, 2:5] = 1
    cloud[9, 9] = 255  # not evaluated: kept
    with h5py.File(path, "r+") as f:
        f.create_dataset("HDFEOS/SWATHS/PRS_L2D_HCO/Data Fields/Cloud_Mask", data=cloud)
    options = SceneOptions(quality=parse_quality(""))
    with open_scene(str(path), options=options) as scene:
        _, valid = scene.read(0, 0, 12, 10)
        assert "cloud" in scene.record()["excluded"][0]["what"]
    with open_scene(str(path)) as scene:
        _, whole = scene.read(0, 0, 12, 10)
    np.testing.assert_array_equal(valid, whole & (cloud != 1))


def test_asking_for_layers_the_product_lacks(tmp_path):
    image, _ = enmap_with_layers(tmp_path)
    with pytest.raises(InputError, match=r"has none of the quality layers spacecraft "
                                         r"\(it has: cloud, cloudshadow"):
        open_scene(image, options=SceneOptions(quality=("spacecraft",)))
