"""Local RX equals a straightforward per-pixel implementation, tiled or not."""
from __future__ import annotations

import numpy as np
import pytest

from hsad.engine.methods.lrx.detector import LocalRX
from hsad.engine.methods import create_detector
from hsad.engine.methods.dual_window import DEFAULT_LOADING, local_rx, window_ranges
from hsad.engine.errors import HsadError
from hsad.engine.scoring import score_cube


def reference_local_rx(cube, valid, inner, outer, loading=DEFAULT_LOADING, background=None):
    """The definition, pixel by pixel: shifted outer window, clipped guard window; the ring's
    background pixels are the valid ones (and, if given, those of ``background``)."""
    if background is not None:
        valid = valid & background
    rows, cols, k = cube.shape
    out = np.full((rows, cols), np.nan)
    r0, r1 = window_ranges(rows, outer, True)
    c0, c1 = window_ranges(cols, outer, True)
    g0, g1 = window_ranges(rows, inner, False)
    h0, h1 = window_ranges(cols, inner, False)
    for r in range(rows):
        for c in range(cols):
            ring = np.zeros((rows, cols), bool)
            ring[r0[r]:r1[r], c0[c]:c1[c]] = True
            ring[g0[r]:g1[r], h0[c]:h1[c]] = False
            background = cube[ring & valid].astype(np.float64)
            if len(background) < 2:
                continue
            mean = background.mean(axis=0)
            cov = np.cov(background, rowvar=False)
            cov += np.eye(k) * loading * np.trace(cov) / k
            d = cube[r, c] - mean
            out[r, c] = d @ np.linalg.solve(cov, d)
    return out


def test_a_background_mask_leaves_pixels_out_of_the_rings_not_out_of_the_scores():
    rng = np.random.default_rng(11)
    cube = (100 + rng.normal(size=(17, 21, 5)) * np.arange(1, 6)).astype(np.float32)
    valid = rng.random((17, 21)) > 0.1
    background = rng.random((17, 21)) > 0.3
    fast = local_rx(cube, valid, 3, 9, loading=0.5, threads=2, background=background)
    ref = reference_local_rx(cube, valid, 3, 9, 0.5, background)
    assert np.isfinite(fast[valid & ~background]).all()
    np.testing.assert_allclose(fast[valid], ref[valid], rtol=1e-6)
    assert not np.allclose(fast[valid], local_rx(cube, valid, 3, 9, loading=0.5)[valid])


@pytest.mark.parametrize("inner, outer", [(1, 3), (3, 9), (5, 11)])
@pytest.mark.parametrize("loading", [1e-6, DEFAULT_LOADING])
def test_matches_reference(inner, outer, loading):
    rng = np.random.default_rng(inner)
    cube = (100 + rng.normal(size=(19, 23, 6)) * np.arange(1, 7)).astype(np.float32)
    valid = rng.random((19, 23)) > 0.1
    fast = local_rx(cube, valid, inner, outer, loading=loading, threads=2)
    ref = reference_local_rx(cube, valid, inner, outer, loading)
    np.testing.assert_allclose(fast[valid], ref[valid], rtol=1e-6)


@pytest.mark.parametrize("loading", [1e-6, 1e-3, 0.1])
def test_matches_reference_where_local_means_are_far_from_the_tile_mean(loading):
    """Radiance-like data: strong spatial trends, small noise (where shortcuts lose precision)."""
    rng = np.random.default_rng(7)
    rows, cols, k = 24, 26, 12
    trend = np.linspace(0, 1, rows)[:, None, None] * rng.uniform(500, 3000, k) + \
        np.linspace(0, 1, cols)[None, :, None] * rng.uniform(-800, 800, k)
    cube = (2000 + trend + rng.normal(scale=3.0, size=(rows, cols, k))).astype(np.float32)
    valid = np.ones((rows, cols), bool)
    fast = local_rx(cube, valid, 3, 11, loading=loading, threads=2)
    np.testing.assert_allclose(fast, reference_local_rx(cube, valid, 3, 11, loading), rtol=1e-5)


def test_scene_smaller_than_outer_window():
    rng = np.random.default_rng(0)
    cube = rng.normal(size=(6, 30, 3)).astype(np.float32)
    valid = np.ones((6, 30), bool)
    np.testing.assert_allclose(local_rx(cube, valid, 3, 9), reference_local_rx(cube, valid, 3, 9),
                               rtol=1e-6)


def test_tiled_run_equals_untiled_and_finds_the_targets(cube_and_truth):
    cube, truth = cube_and_truth
    whole = score_cube(cube, create_detector("lrx", {"inner": 3, "outer": 9}), tile_size=100000)
    tiled = score_cube(cube, create_detector("lrx", {"inner": 3, "outer": 9}), tile_size=11)
    np.testing.assert_allclose(tiled, whole, rtol=1e-6)
    # the default loading keeps the covariance in charge: the targets, not the borders, score top
    top = np.argsort(whole.ravel())[-int(truth.sum()):]
    assert set(top) == set(np.flatnonzero(truth.ravel()))


@pytest.mark.parametrize("inner, outer", [(4, 9), (3, 8), (9, 9), (11, 5)])
def test_bad_windows_are_refused(inner, outer):
    with pytest.raises(HsadError, match="window"):
        create_detector("lrx", {"inner": inner, "outer": outer})


def test_registry_passes_the_loading_through():
    rng = np.random.default_rng(3)
    cube = (50 + rng.normal(size=(15, 17, 5))).astype(np.float32)
    valid = np.ones((15, 17), bool)
    light = score_cube(cube, LocalRX(3, 9, loading=1e-6))
    default = score_cube(cube, create_detector("lrx", {"inner": 3, "outer": 9}))
    np.testing.assert_allclose(light, local_rx(cube, valid, 3, 9, loading=1e-6), rtol=1e-6)
    np.testing.assert_allclose(default, local_rx(cube, valid, 3, 9), rtol=1e-6)
    assert not np.allclose(light, default, rtol=1e-3)
