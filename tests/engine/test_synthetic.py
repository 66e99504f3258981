"""The synthetic scene behind `make demo`: realistic enough, reproducible, hard enough, readable."""
from __future__ import annotations

import numpy as np
import pytest

from hsad.engine.methods import create_detector
from hsad.engine.metrics import auc_roc
from hsad.engine.scoring import score_cube
from hsad.engine.synthetic import make_scene, write_envi, write_truth


@pytest.fixture(scope="module")
def scene():
    return make_scene(96, 96, bands=60, targets=8, seed=5)


def test_reproducible_from_a_seed(scene):
    again = make_scene(96, 96, bands=60, targets=8, seed=5)
    np.testing.assert_array_equal(np.nan_to_num(again.cube), np.nan_to_num(scene.cube))
    other = make_scene(96, 96, bands=60, targets=8, seed=6)
    assert not np.array_equal(np.nan_to_num(other.cube), np.nan_to_num(scene.cube))


def test_targets_full_and_sub_pixel_inside_the_swath(scene):
    assert len(scene.targets) == 8
    fractions = [t.fraction for t in scene.targets]
    assert sum(f == 1.0 for f in fractions) == 4
    assert all(0.15 <= f <= 0.5 for f in fractions if f < 1.0)
    for t in scene.targets:
        assert scene.truth[t.row:t.row + t.size, t.col:t.col + t.size].all()
        assert np.isfinite(scene.cube[t.row, t.col]).all()
    assert scene.truth.sum() == sum(t.size ** 2 for t in scene.targets)
    outside = np.isnan(scene.cube[:, :, 0])
    assert outside[0, 0] and not outside[-1, -1] and not scene.truth[outside].any()


def test_spectra_are_plausible_reflectance_and_water_bands_are_flagged(scene):
    valid = scene.cube[np.isfinite(scene.cube[:, :, 0])]
    assert 0.0 <= valid.min() and np.percentile(valid, 99.9) < 1.0
    wl = scene.wavelengths_nm
    in_water_band = (wl > 1360) & (wl < 1440)
    assert in_water_band.any() and not scene.bbl[in_water_band].any() and scene.bbl.sum() > 40
    # vegetation's red edge: the brightest NIR pixels are much darker in the red
    red, nir = np.argmin(abs(wl - 670)), np.argmin(abs(wl - 860))
    greenest = valid[np.argsort(valid[:, nir] / (valid[:, red] + 1e-3))[-50:]]
    assert np.median(greenest[:, nir] / greenest[:, red]) > 4.0


def test_background_is_spatially_coherent(scene):
    band = np.nan_to_num(scene.cube[:, :, 30], nan=np.nanmean(scene.cube[:, :, 30]))
    neighbours = np.corrcoef(band[:, :-1].ravel(), band[:, 1:].ravel())[0, 1]
    assert neighbours > 0.8  # parcels, not salt-and-pepper noise


def test_rx_finds_targets_but_not_perfectly(scene):
    cube = scene.cube[:, :, scene.bbl]
    scores = score_cube(cube, create_detector("rx"))
    valid = np.isfinite(scores)
    auc = auc_roc(scores[valid], scene.truth[valid])
    assert 0.9 < auc < 0.9999
    ranked = np.argsort(-np.where(valid, scores, -np.inf).ravel())
    top = set(ranked[:scene.truth.sum()])
    assert 0 < len(top & set(np.flatnonzero(scene.truth))) < scene.truth.sum()


def test_envi_and_truth_files_round_trip(tmp_path, scene):
    import rasterio
    data = write_envi(str(tmp_path / "scene.bsq"), scene)
    truth = write_truth(str(tmp_path / "truth.tif"), scene)
    with rasterio.open(data) as ds, rasterio.open(truth) as gt:
        assert ds.count == 60 and ds.crs.to_epsg() == 32633 and gt.crs == ds.crs
        assert ds.transform == gt.transform and ds.transform.a == 2.0
        assert ds.nodata == -9999
        envi = ds.tags(ns="ENVI")
        assert len(envi["wavelength"].strip("{}").split(",")) == 60
        assert envi["bbl"].count("0") >= 1
        first = ds.read(1)
        assert first[0, 0] == -9999 and first[-1, -1] > 0
        np.testing.assert_array_equal(gt.read(1).astype(bool), scene.truth)
