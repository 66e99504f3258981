"""Wavelengths given back to a scene that lost them: ENVI headers, band tables, a raster that
has them; checked against the band count; and the notice that points to --wavelengths."""
from __future__ import annotations

import os

import numpy as np
import pytest
from osgeo import gdal

from hsad.engine.errors import InputError
from hsad.engine.pipeline import DetectParameters, detect_scene
from hsad.engine.scenes.options import SceneOptions
from hsad.engine.scenes.raster import open_scene
from hsad.engine.scenes.wavelength_file import read_wavelength_file
from support import needs_background_data, run_hsad, write_cube

gdal.UseExceptions()
BANDS = 60
CENTRES = np.linspace(420.0, 2400.0, BANDS)
BACKGROUND = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data",
                          "background")


def tiles(tmp_path, bands=BANDS):
    """Two tiles with wavelengths in their band metadata, and a VRT mosaic without them (GDAL
    3.6's gdalbuildvrt drops band metadata; newer GDALs copy it, so it is dropped here too: the
    case is a mosaic or conversion that lost them)."""
    rng = np.random.default_rng(1)
    paths = []
    for k in range(2):
        cube = (1000 + 30 * rng.normal(size=(20, 16, bands))).astype(np.float32)
        paths.append(write_cube(tmp_path / f"tile{k}.tif", cube, wavelengths=CENTRES[:bands],
                                fwhm=np.full(bands, 9.0),
                                geotransform=(500000.0 + 480.0 * k, 30.0, 0.0, 4100000.0, 0.0,
                                              -30.0)))
    mosaic = str(tmp_path / "mosaic.vrt")
    vrt = gdal.BuildVRT(mosaic, paths)
    for number in range(1, vrt.RasterCount + 1):
        band = vrt.GetRasterBand(number)
        band.SetMetadata({})
        band.SetDescription("")
    vrt = None
    return paths, mosaic


def test_a_mosaic_loses_its_wavelengths_and_gets_them_back(tmp_path):
    paths, mosaic = tiles(tmp_path)
    with open_scene(mosaic) as scene:
        assert not scene.info.file_spectral.has_wavelengths
    result = detect_scene(mosaic, str(tmp_path / "a.tif"), DetectParameters(method="rx"),
                          write_style=False)
    assert any("--wavelengths" in notice for notice in result.notices)
    options = SceneOptions(wavelengths=paths[0])
    with open_scene(mosaic, options=options) as scene:
        np.testing.assert_allclose(scene.info.spectral.wavelengths_nm, CENTRES, atol=0.01)
        np.testing.assert_allclose(scene.info.spectral.fwhm_nm, 9.0)
    result = detect_scene(mosaic, str(tmp_path / "b.tif"),
                          DetectParameters(method="rx", scene=options), write_style=False)
    assert not any("--wavelengths" in notice for notice in result.notices)


def test_few_bands_without_wavelengths_need_no_notice(tmp_path):
    _, mosaic = tiles(tmp_path, bands=12)
    result = detect_scene(mosaic, str(tmp_path / "a.tif"), DetectParameters(method="rx"),
                          write_style=False)
    assert not any("--wavelengths" in notice for notice in result.notices)


def test_envi_headers_and_band_tables(tmp_path):
    header = tmp_path / "bands.hdr"
    header.write_text("ENVI\nsamples = 3\nlines = 3\nbands = 4\nwavelength units = Micrometers\n"
                      "wavelength = {0.45, 0.55,\n 0.65, 0.85}\nfwhm = {0.01, 0.01, 0.01, 0.02}\n"
                      "bbl = {1, 1, 0, 1}\n")
    spectral = read_wavelength_file(str(header), 4)
    np.testing.assert_allclose(spectral.wavelengths_nm, [450, 550, 650, 850])
    np.testing.assert_allclose(spectral.fwhm_nm, [10, 10, 10, 20])
    assert list(spectral.good_bands) == [True, True, False, True]
    csv = tmp_path / "bands.csv"
    csv.write_text("band,wavelength (nm),fwhm\n1,450,10\n2,550,10\n3,650,11\n4,850,12\n")
    spectral = read_wavelength_file(str(csv), 4)
    np.testing.assert_allclose(spectral.wavelengths_nm, [450, 550, 650, 850])
    np.testing.assert_allclose(spectral.fwhm_nm, [10, 10, 11, 12])
    isofit = tmp_path / "wavelength_fit.txt"  # index, centre (um), FWHM (um)
    isofit.write_text("0 0.45 0.01\n1 0.55 0.01\n2 0.65 0.01\n3 0.85 0.01\n")
    np.testing.assert_allclose(read_wavelength_file(str(isofit), 4).wavelengths_nm,
                               [450, 550, 650, 850])
    table = tmp_path / "table.txt"  # centre, FWHM, other numbers, band number (1-based)
    table.write_text("450 9.6 0.08 1\n550 9.5 0.07 2\n650 9.5 0.07 3\n850 9.4 0.07 4\n")
    spectral = read_wavelength_file(str(table), 4)
    np.testing.assert_allclose(spectral.wavelengths_nm, [450, 550, 650, 850])
    np.testing.assert_allclose(spectral.fwhm_nm, [9.6, 9.5, 9.5, 9.4])
    single = tmp_path / "centres.txt"
    single.write_text("450\n550\n650\n850\n")
    np.testing.assert_allclose(read_wavelength_file(str(single), 4).wavelengths_nm,
                               [450, 550, 650, 850])


def test_wrong_wavelength_files_are_one_line_errors(tmp_path):
    csv = tmp_path / "bands.csv"
    csv.write_text("wavelength\n450\n550\n")
    with pytest.raises(InputError, match=r"bands.csv: gives 2 wavelengths but the scene has 4"):
        read_wavelength_file(str(csv), 4)
    bad = tmp_path / "bad.csv"
    bad.write_text("wavelength\n450\nfour\n")
    with pytest.raises(InputError, match=r"bad.csv: a row of the wavelength table is not"):
        read_wavelength_file(str(bad), 2)
    plain = write_cube(tmp_path / "plain.tif", np.ones((3, 3, 4), np.float32))
    with pytest.raises(InputError, match=r"plain.tif: this raster has no wavelengths either"):
        read_wavelength_file(plain, 4)
    done = run_hsad(["info", plain, "--wavelengths", str(csv)])
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "bands.csv: gives 2 wavelengths but the scene has 4 bands" in done.stderr


@needs_background_data()
def test_real_band_tables_of_the_background_folder():
    folder = os.path.join(BACKGROUND, "wavelengths")
    moffett = read_wavelength_file(os.path.join(folder, "Moffet_wavelength.txt"), 224)
    assert moffett.wavelengths_nm[0] == pytest.approx(369.85)
    assert moffett.fwhm_nm[0] == pytest.approx(9.61)
    isofit = read_wavelength_file(os.path.join(folder, "20170320_ang20170228_wavelength_fit.txt"),
                                  425)
    assert isofit.wavelengths_nm[0] == pytest.approx(376.86) and isofit.fwhm_nm[0] < 10
    jasper = read_wavelength_file(os.path.join(folder, "jasperRidge2_F224.hdr"), 224)
    assert jasper.good_bands.sum() == 206
