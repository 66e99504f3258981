"""A library spectrum on a scene's bands: band responses, partial coverage, wrong units."""
from __future__ import annotations

import numpy as np
import pytest

from hsad.engine.errors import InputError
from hsad.engine.methods.target.library import LibrarySpectrum
from hsad.engine.methods.target.resample import library_on_scene
from hsad.engine.scenes.scene import ArrayScene
from hsad.engine.scenes.spectral import SpectralInfo, resampling_matrix


def _info(wavelengths=None, fwhm=None, bands=None):
    bands = bands or (len(wavelengths) if wavelengths is not None else 30)
    spectral = SpectralInfo(None if wavelengths is None else np.asarray(wavelengths, float),
                            None if fwhm is None else np.asarray(fwhm, float))
    return ArrayScene(np.zeros((2, 2, bands), np.float32), "scene.bsq", spectral).info


def _spectrum(nm, values, units="Nanometers"):
    return LibrarySpectrum("grass", np.asarray(nm, float), np.asarray(values, float),
                           "lib.csv", units)


def test_each_scene_band_averages_the_library_over_its_response():
    nm = np.arange(350.0, 2501.0, 1.0)
    scene_nm, fwhm = np.linspace(450, 2300, 60), np.full(60, 25.0)
    line = _spectrum(nm, 0.1 + nm / 10000.0)
    target = library_on_scene(line, _info(scene_nm, fwhm))
    # a symmetric band response reads a straight line at the band's centre
    np.testing.assert_allclose(target.values, 0.1 + scene_nm / 10000.0, rtol=1e-6)
    assert target.bands is None and target.note == ""
    bumpy = _spectrum(nm, np.sin(nm / 7.0))
    expected = resampling_matrix(nm, scene_nm, None, fwhm) @ np.sin(nm / 7.0)
    np.testing.assert_allclose(library_on_scene(bumpy, _info(scene_nm, fwhm)).values, expected)
    # a Gaussian response of 25 nm FWHM damps a ripple of period 14 pi nm by exp(-2 pi^2 s^2 f^2)
    sigma, frequency = 25.0 / 2.3548, 1.0 / (14.0 * np.pi)
    damped = np.exp(-2.0 * np.pi ** 2 * sigma ** 2 * frequency ** 2)
    assert np.abs(expected).max() == pytest.approx(damped, rel=0.02)


def test_scene_bands_outside_the_library_are_left_out_and_said_so():
    scene_nm = np.linspace(400, 2500, 22)  # 100 nm apart
    vnir = _spectrum(np.arange(380.0, 1001.0, 5.0), np.ones(125))
    target = library_on_scene(vnir, _info(scene_nm))
    assert target.bands.tolist() == list(range(7))  # 400 ... 1000 nm, 1000 + half a band
    assert "15 of 22 scene bands lie outside the library's 380-1000 nm" in target.note


def test_ranges_that_do_not_overlap_are_an_error_naming_both():
    scene_nm = np.linspace(400, 2500, 22)
    thermal = _spectrum(np.linspace(8000, 12000, 50), np.ones(50))
    with pytest.raises(InputError, match=r"scene.bsq: its bands \(400-2500 nm\) and the library "
                                         r"spectrum 'grass' of lib.csv .* do not overlap$"):
        library_on_scene(thermal, _info(scene_nm))


def test_a_unit_off_by_a_thousand_is_named_as_the_likely_cause():
    micrometres_read_as_nm = _spectrum(np.linspace(0.4, 2.5, 50), np.ones(50), "nm")
    with pytest.raises(InputError, match=r"would overlap if one of them were read in the other "
                                         r"unit \(the library's wavelength unit: nm; the scene's"):
        library_on_scene(micrometres_read_as_nm, _info(np.linspace(400, 2500, 22)))


def test_a_scene_without_wavelengths_cannot_take_a_library_spectrum():
    with pytest.raises(InputError, match="scene.bsq: the scene gives no wavelengths"):
        library_on_scene(_spectrum([400, 500], [1, 2]), _info(None, bands=30))


def test_a_library_sampled_at_the_band_centres_is_taken_as_it_is():
    """A spectrum exported from this sensor holds band values: averaging them again over each
    band's response would blur them."""
    scene_nm = np.linspace(420, 2400, 40)
    values = np.sin(scene_nm / 50.0)
    exported = _spectrum(np.concatenate([[380.0], scene_nm + 0.05, [2450.0]]),
                         np.concatenate([[9.0], values, [9.0]]))
    target = library_on_scene(exported, _info(scene_nm, np.full(40, 50.0)))
    np.testing.assert_array_equal(target.values, values)
    # a finer library that happens to have samples at the centres is averaged over the bands
    fine_nm = np.arange(400.0, 2421.0, 1.0)
    integer_centres = np.arange(420.0, 2401.0, 60.0)
    fine = library_on_scene(_spectrum(fine_nm, np.sin(fine_nm / 5.0)),
                            _info(integer_centres, np.full(integer_centres.size, 50.0)))
    assert np.abs(fine.values - np.sin(integer_centres / 5.0)).max() > 0.5
