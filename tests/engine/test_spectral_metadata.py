"""Wavelengths, FWHM and bad bands as sensors and tools write them, normalised to nanometres."""
from __future__ import annotations

import numpy as np
import pytest

from hsad.engine.errors import InputError
from hsad.engine.scenes.raster import open_scene
from hsad.engine.scenes.spectral import (normalise_wavelengths, relative_positions, resampling_matrix,
                                  wavelength_from_band_name)
from support import BACKGROUND_DIR, needs_background_data, write_cube

CUBE = np.arange(4 * 3 * 6, dtype=np.float32).reshape(4, 3, 6) + 1


def test_envi_micrometres_are_converted(tmp_path):
    wl = np.linspace(0.4, 2.4, 6)
    path = write_cube(tmp_path / "a.img", CUBE, driver="ENVI", wavelengths=wl, units="Micrometers",
                      fwhm=np.full(6, 0.01))
    with open_scene(path) as scene:
        np.testing.assert_allclose(scene.info.spectral.wavelengths_nm, wl * 1000)
        np.testing.assert_allclose(scene.info.spectral.fwhm_nm, 10.0)


def test_unstated_units_are_guessed_from_magnitude(tmp_path):
    path = write_cube(tmp_path / "a.img", CUBE, driver="ENVI", wavelengths=np.linspace(0.4, 2.4, 6),
                      units="Unknown")
    with open_scene(path) as scene:
        assert scene.info.spectral.wavelengths_nm[0] == pytest.approx(400.0)
        assert scene.info.spectral.units_source.startswith("guessed")


def test_geotiff_band_metadata_as_enmap_box_writes_it(tmp_path):
    wl = np.linspace(420, 2400, 6)
    path = write_cube(tmp_path / "b.tif", CUBE, wavelengths=wl, fwhm=np.full(6, 7.0),
                      bbl=[1, 1, 0, 1, 1, 1])
    with open_scene(path) as scene:
        assert scene.info.band_indices == [0, 1, 3, 4, 5]
        np.testing.assert_allclose(scene.info.spectral.wavelengths_nm, wl[[0, 1, 3, 4, 5]])
    with open_scene(path, drop_bad_bands=False) as scene:
        assert scene.info.bands == 6


def test_imagery_domain_central_wavelength(tmp_path):
    from osgeo import gdal
    path = write_cube(tmp_path / "c.tif", CUBE)
    ds = gdal.Open(path, gdal.GA_Update)
    for b in range(6):
        ds.GetRasterBand(b + 1).SetMetadataItem("CENTRAL_WAVELENGTH_UM", f"{0.5 + 0.1 * b}", "IMAGERY")
    ds = None
    with open_scene(path) as scene:
        np.testing.assert_allclose(scene.info.spectral.wavelengths_nm, 500 + 100 * np.arange(6))


def test_a_non_numeric_central_wavelength_is_one_line(tmp_path):
    from osgeo import gdal
    path = write_cube(tmp_path / "c.tif", CUBE)
    ds = gdal.Open(path, gdal.GA_Update)
    for b in range(6):
        ds.GetRasterBand(b + 1).SetMetadataItem("CENTRAL_WAVELENGTH_UM", "n/a", "IMAGERY")
    ds = None
    with pytest.raises(InputError, match="c.tif: band metadata CENTRAL_WAVELENGTH_UM 'n/a'"):
        open_scene(path)


def test_band_names_with_units_as_hymap_headers_write_them(tmp_path):
    names = [f"band {i + 1} ({0.45 + 0.3 * i:.6f} Micrometers)" for i in range(6)]
    path = write_cube(tmp_path / "h.bsq", CUBE, driver="ENVI", band_names=names)
    assert "band 2 (0.750000 Micrometers)" in (tmp_path / "h.hdr").read_text()
    with open_scene(path) as scene:
        np.testing.assert_allclose(scene.info.spectral.wavelengths_nm, 450 + 300 * np.arange(6))


def test_no_wavelengths_is_fine(tmp_path):
    path = write_cube(tmp_path / "n.tif", CUBE)
    with open_scene(path) as scene:
        assert scene.info.spectral.wavelengths_nm is None


def test_wavelength_count_must_match_bands():
    with pytest.raises(InputError, match="lists 5 wavelengths but has 6 bands"):
        normalise_wavelengths([1, 2, 3, 4, 5], "nm", 6, "x.img")


def test_unknown_units_are_an_error():
    with pytest.raises(InputError, match="unknown wavelength units 'wavenumber'"):
        normalise_wavelengths([1, 2], "wavenumber", 2, "x.img")


@pytest.mark.parametrize("name, expected", [
    ("band 1 (0.455400 Micrometers)", (0.4554, "Micrometers")),
    ("Band 01: 400.00 nm (400.00 Nanometers)", (400.0, "nm")),
    ("channel_7", None),
])
def test_wavelength_from_band_name(name, expected):
    assert wavelength_from_band_name(name) == expected


def test_resampling_preserves_a_smooth_spectrum():
    src = np.linspace(400, 2500, 224)
    dst = np.linspace(420, 2450, 64)
    w = resampling_matrix(src, dst)
    spectrum = np.sin(src / 300.0)
    np.testing.assert_allclose(w @ spectrum, np.sin(dst / 300.0), atol=2e-3)
    np.testing.assert_allclose(w.sum(axis=1), 1.0)


def test_resampling_outside_the_source_range_takes_the_edge_band():
    w = resampling_matrix(np.array([500.0, 600.0, 700.0]), np.array([400.0, 800.0]))
    np.testing.assert_array_equal(w, [[1, 0, 0], [0, 0, 1]])


def test_relative_positions_span_the_grid():
    np.testing.assert_allclose(relative_positions(3, (400, 2400)), [400, 1400, 2400])


@needs_background_data()
@pytest.mark.parametrize("relative, bands, lo, hi", [
    ("hymap/HyMap02_Berlin_Urban_Gradient_2009.bsq", 111, 455.0, 2447.0),
    ("emit/emit20250324t221005_jpl_unmix_ex", 244, 381.0, 2493.0),
    ("hyperion/cubus_gamsberg_subset", 189, 426.0, 2325.0),
    ("enmap/enmap_potsdam_tile_128_0.tif", 218, 418.0, 2446.0),
])
def test_real_sensor_files(relative, bands, lo, hi):
    with open_scene(str(BACKGROUND_DIR / relative)) as scene:
        wl = scene.info.spectral.wavelengths_nm
        assert scene.info.bands == bands
        assert wl.min() == pytest.approx(lo, abs=1.0) and wl.max() == pytest.approx(hi, abs=1.0)
        _, valid = scene.read(0, 0, scene.info.rows, scene.info.cols)
        assert valid.mean() > 0.9
