"""Global RX: streaming equals the textbook formula; singular covariances; real scenes."""
from __future__ import annotations

import json

import numpy as np
import pytest

from hsad.engine.methods import create_detector, method_names
from hsad.engine.scenes.matfile import load_matlab_scene
from hsad.engine.metrics import auc_roc
from hsad.engine.scoring import score_cube
from support import REAL_DIR, needs_real_data


def textbook_rx(cube):
    x = cube.reshape(-1, cube.shape[2]).astype(np.float64)
    d = x - x.mean(axis=0)
    inverse = np.linalg.pinv(np.cov(x, rowvar=False))
    return np.einsum("ij,jk,ik->i", d, inverse, d).reshape(cube.shape[:2])


def test_registry_lists_the_methods():
    assert method_names() == ["twobranch", "rx", "lrx", "ferd"]


@pytest.mark.parametrize("tile_size", [5, 64, 100000])
def test_streaming_rx_equals_textbook_formula(cube_and_truth, tile_size):
    cube, _ = cube_and_truth
    scores = score_cube(cube, create_detector("rx"), tile_size=tile_size)
    np.testing.assert_allclose(scores, textbook_rx(cube), rtol=2e-4, atol=1e-3)


def test_invalid_pixels_are_excluded_from_statistics_and_scored_nan(cube_and_truth):
    cube, _ = cube_and_truth
    dirty = cube.copy()
    dirty[3, 3, :] = np.nan
    dirty[4, 4, 2] = np.inf
    scores = score_cube(dirty, create_detector("rx"), tile_size=8)
    assert np.isnan(scores[3, 3]) and np.isnan(scores[4, 4])
    keep = np.ones(cube.shape[:2], bool)
    keep[3, 3] = keep[4, 4] = False
    x = cube[keep].astype(np.float64)
    d = cube.reshape(-1, cube.shape[2]).astype(np.float64) - x.mean(axis=0)
    expected = np.einsum("ij,jk,ik->i", d, np.linalg.pinv(np.cov(x, rowvar=False)), d)
    np.testing.assert_allclose(scores[keep], expected.reshape(cube.shape[:2])[keep], rtol=2e-4)


def test_singular_covariance_is_handled(cube_and_truth):
    cube, truth = cube_and_truth
    duplicated = np.concatenate([cube, cube[:, :, :5]], axis=2)  # five identical band pairs
    scores = score_cube(duplicated, create_detector("rx"))
    assert np.isfinite(scores).all()
    np.testing.assert_allclose(scores, score_cube(cube, create_detector("rx")), rtol=1e-3, atol=1e-2)


@needs_real_data()
def test_reproduces_manifest_global_rx_auc_on_every_real_scene():
    manifest = json.loads((REAL_DIR / "manifest.json").read_text())
    aucs = []
    for entry in manifest["scenes"]:
        found = load_matlab_scene(str(REAL_DIR / entry["file"]))
        auc = auc_roc(score_cube(found.cube, create_detector("rx"), tile_size=64), found.truth)
        assert round(auc, 4) == entry["global_rx_auc"], entry["file"]
        aucs.append(auc)
    assert round(float(np.mean(aucs)), 4) == 0.9444
