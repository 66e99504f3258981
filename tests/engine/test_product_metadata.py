"""EnMAP products: wavelengths and gains from the METADATA.XML beside the SPECTRAL_IMAGE.TIF."""
from __future__ import annotations

import json

import numpy as np
import pytest

from hsad.engine.errors import InputError
from hsad.engine.scenes.raster import open_scene
from product_files import GAINS, PRODUCT, WAVELENGTHS, write_enmap_product
from support import run_hsad, write_cube


def test_wavelengths_fwhm_and_gains_come_from_the_side_car(tmp_path):
    rng = np.random.default_rng(1)
    cube = rng.integers(100, 5000, size=(9, 7, 8)).astype(np.int16)
    cube[2, 3, :] = -32768
    image = write_enmap_product(tmp_path, cube, offsets=[0.0] * 7 + [0.5])
    with open_scene(image) as scene:
        spectral = scene.info.spectral
        np.testing.assert_allclose(spectral.wavelengths_nm, WAVELENGTHS)
        np.testing.assert_allclose(spectral.fwhm_nm, 8.5)
        assert "METADATA.XML" in spectral.units_source
        data, valid = scene.read(0, 0, 9, 7)
    expected = cube.astype(np.float64) * np.array(GAINS) + np.array([0.0] * 7 + [0.5])
    np.testing.assert_allclose(data[valid], expected[valid], rtol=1e-6)
    assert not valid[2, 3] and valid.sum() == 9 * 7 - 1


def test_a_raster_with_its_own_wavelengths_keeps_them(tmp_path):
    write_enmap_product(tmp_path)
    own = np.linspace(500, 2000, 8)
    path = write_cube(tmp_path / "copy-SPECTRAL_IMAGE.TIF", np.ones((4, 4, 8), np.float32),
                      wavelengths=own)
    (tmp_path / "copy-METADATA.XML").write_text(
        (tmp_path / f"{PRODUCT}-METADATA.XML").read_text())
    with open_scene(path) as scene:
        np.testing.assert_allclose(scene.info.spectral.wavelengths_nm, own, rtol=1e-5)
        data, _ = scene.read(0, 0, 4, 4)
    np.testing.assert_array_equal(data, 1.0)  # no gains from another product's side-car


def test_band_count_mismatch_is_one_line_naming_the_xml(tmp_path):
    image = write_enmap_product(tmp_path)
    xml = tmp_path / f"{PRODUCT}-METADATA.XML"
    text = xml.read_text()
    xml.write_text(text.replace(text[text.index('<bandID number="8">'):
                                     text.index("</bandCharacterisation>")], ""))
    with pytest.raises(InputError, match=r"METADATA.XML: lists 7 bands but the image has 8"):
        open_scene(image)


def test_unreadable_xml_is_one_line(tmp_path):
    image = write_enmap_product(tmp_path)
    (tmp_path / f"{PRODUCT}-METADATA.XML").write_text("<level_X><specific>")
    with pytest.raises(InputError, match="not a readable EnMAP metadata file"):
        open_scene(image)


def test_hsad_info_and_detect_on_an_enmap_product(tmp_path):
    """The command line sees the side-car: wavelengths reported, detection on the right grid."""
    image = write_enmap_product(tmp_path)
    info = run_hsad(["info", image, "--json", "-"])
    assert info.returncode == 0, info.stderr
    report = json.loads(info.stdout)
    assert report["wavelength_range_nm"] == [420.0, 2200.0]
    assert report["scale"] is None and "METADATA.XML" in report["scale_note"]
    out = tmp_path / "score.tif"
    done = run_hsad(["detect", image, "-o", str(out), "--method", "rx", "-q"])
    assert done.returncode == 0, done.stderr
    assert out.exists()
