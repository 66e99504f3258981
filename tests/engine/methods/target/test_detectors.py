"""The target detectors against the Spectral Python package and the textbook formulas."""
from __future__ import annotations

import numpy as np
import pytest

from target_helpers import MORE, OBJECT, material, scene_cube
from hsad.engine.errors import InputError
from hsad.engine.methods import TARGET, create_target_detector, method_names
from hsad.engine.methods.target.spectrum import TargetSpectrum
from hsad.engine.pipeline import detect_scene
from hsad.engine.scoring import score_cube
from support import write_cube

spectral = pytest.importorskip("spectral")


def _read(path):
    import rasterio
    with rasterio.open(path) as ds:
        return ds.read(1, masked=True)


def _scene_with_nodata(tmp_path):
    cube = scene_cube()
    cube[:3, :5] = -9999.0  # a nodata corner, which must not enter the statistics
    return write_cube(tmp_path / "scene.tif", cube, nodata=-9999.0), cube


@pytest.mark.parametrize("method, reference", [("ace", "ace"), ("mf", "matched_filter")])
def test_scores_equal_spectral_python_on_the_valid_pixels(tmp_path, method, reference):
    path, cube = _scene_with_nodata(tmp_path)
    target = cube[10, 10].astype(np.float64)
    out = str(tmp_path / f"{method}.tif")
    from hsad.engine.methods.target.parameters import TargetParameters
    from hsad.engine.methods.target.sources import GeometrySource
    from hsad.engine.methods.target.pixels import Geometries
    # the pixel at row 10, column 10 (UTM, 30 m pixels from 500000, 4100000)
    point = GeometrySource(Geometries(("POINT (500315 4099685)",), "", "the object's pixel"))
    detect_scene(path, out, TargetParameters(method=method, target=point, tile_size=16))
    scores = _read(out)
    valid = ~(cube == -9999.0).any(axis=2)
    assert (scores.mask == ~valid).all()  # nodata stays nodata
    pixels = cube[valid].astype(np.float64)
    expected = np.ravel(getattr(spectral, reference)(pixels, target))
    got = scores.data[valid]
    assert np.abs(got - expected).max() <= 1e-4 * np.abs(expected).max()


def test_cem_and_the_spectral_angle_equal_their_formulas():
    cube = scene_cube()
    target = material()
    pixels = cube.reshape(-1, cube.shape[2]).astype(np.float64)
    correlation = pixels.T @ pixels / len(pixels)
    solved = np.linalg.solve(correlation, target)
    cem = pixels @ solved / (target @ solved)
    cosine = pixels @ target / np.linalg.norm(pixels, axis=1) / np.linalg.norm(target)
    for method, expected in (("cem", cem), ("sam", cosine)):
        got = score_cube(cube, create_target_detector(method, TargetSpectrum(target)),
                         tile_size=13).ravel()
        assert np.abs(got - expected).max() <= 1e-5 * np.abs(expected).max(), method


@pytest.mark.parametrize("method", method_names(TARGET))
def test_tiles_change_nothing_and_the_material_ranks_first(method):
    cube = scene_cube()
    target = TargetSpectrum(cube[10, 10])
    whole = score_cube(cube, create_target_detector(method, target), tile_size=1000)
    tiled = score_cube(cube, create_target_detector(method, target), tile_size=9)
    np.testing.assert_allclose(tiled, whole, rtol=1e-5, atol=1e-6 * np.abs(whole).max())
    places = {(r, c) for r, c in OBJECT} | {(r, c) for r, c, _ in MORE}
    top = np.argsort(whole.ravel())[::-1][:len(places)]
    found = {tuple(int(v) for v in np.unravel_index(i, whole.shape)) for i in top}
    assert len(found & places) >= len(places) - (1 if method == "sam" else 0), method


def test_a_band_subset_scores_as_the_cube_of_those_bands():
    cube = scene_cube()
    keep = np.arange(5, 30)
    subset = TargetSpectrum(material()[keep], bands=keep)
    got = score_cube(cube, create_target_detector("ace", subset))
    expected = score_cube(np.ascontiguousarray(cube[:, :, keep]),
                          create_target_detector("ace", TargetSpectrum(material()[keep])))
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_a_target_on_another_scale_is_refused_where_it_matters():
    cube = scene_cube()
    reflectance = TargetSpectrum(material() / 10000.0, "a 0-1 reflectance spectrum")
    with pytest.raises(InputError, match="different scales.*--scale, e.g. 10000"):
        score_cube(cube, create_target_detector("ace", reflectance))
    # the angle and CEM rank the same whatever the target's scale
    sam = score_cube(cube, create_target_detector("sam", reflectance))
    assert np.unravel_index(np.argmax(sam), sam.shape) in OBJECT
    fixed = TargetSpectrum(material() / 10000.0 * 10000.0, scaled=True)
    assert np.isfinite(score_cube(cube, create_target_detector("mf", fixed))).all()


def test_the_scene_mean_as_target_is_refused():
    cube = scene_cube()
    mean = cube.reshape(-1, cube.shape[2]).astype(np.float64).mean(axis=0)
    with pytest.raises(InputError, match="mean spectrum"):
        score_cube(cube, create_target_detector("mf", TargetSpectrum(mean)))


def test_a_spectrum_of_the_wrong_length_is_refused():
    with pytest.raises(InputError, match="3 values for 40 bands"):
        score_cube(scene_cube(), create_target_detector("ace", TargetSpectrum([1.0, 2.0, 3.0])))


def test_a_pixel_exported_to_a_library_finds_what_the_pixel_finds(tmp_path):
    from hsad.engine.methods.target.parameters import TargetParameters
    from hsad.engine.methods.target.sources import LibrarySource, point_source
    from target_helpers import WAVELENGTHS, pixel_point, write_csv_library, write_scene
    path, cube = write_scene(tmp_path)
    csv = write_csv_library(tmp_path / "exported.csv", WAVELENGTHS,
                            {"roof": cube[30, 8].astype(np.float64)})
    x, y = (float(v) for v in pixel_point(30, 8)[7:-1].split())
    maps = []
    for source in (point_source(x, y), LibrarySource(csv, "roof")):
        out = str(tmp_path / f"{len(maps)}.tif")
        detect_scene(path, out, TargetParameters(method="ace", target=source))
        maps.append(_read(out).data)
    np.testing.assert_allclose(maps[1], maps[0], atol=1e-5)
