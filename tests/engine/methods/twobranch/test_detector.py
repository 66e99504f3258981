"""The twobranch detector through the engine pipeline: shapes, tiling, fusions, devices."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from hsad.engine.errors import HsadError
from hsad.engine.metrics import auc_roc
from hsad.engine.methods.twobranch.detector import TwoBranchDetector
from hsad.engine.methods.twobranch.fusion import FusionScorer, combination
from hsad.engine.scenes.scene import ArrayScene
from hsad.engine.scenes.spectral import SpectralInfo
from hsad.engine.scoring import score_cube, score_scene
from support import scene_with_targets, tiny_config, tiny_weights_folder


@pytest.fixture
def tiny_weights(tmp_path):
    return tiny_weights_folder(tmp_path / "weights")


def detector(weights=None, **kwargs):
    return TwoBranchDetector(device="cpu", weights=weights, **kwargs)


def test_scores_have_the_scene_shape_and_are_finite(tiny_weights):
    cube, _ = scene_with_targets()
    scores = score_cube(cube, detector(tiny_weights))
    assert scores.shape == cube.shape[:2] and scores.dtype == np.float32
    assert np.isfinite(scores).all()


@pytest.mark.parametrize("wavelengths, expected", [
    (None, "no wavelengths in the file: its bands are spread over the model's 8-band grid"),
    (np.linspace(450.0, 2300.0, 30), "by wavelength (450-2300 nm)")])
def test_the_log_says_how_the_bands_meet_the_grid(tiny_weights, wavelengths, expected):
    cube, _ = scene_with_targets()
    scene = ArrayScene(cube, spectral=SpectralInfo(wavelengths_nm=wavelengths))
    lines = []
    score_scene(scene, detector(tiny_weights), lambda *a: None, log=lines.append)
    assert any(expected in line for line in lines), lines


@pytest.mark.parametrize("ring_mean_start", [False, True])
@pytest.mark.parametrize("fusion", ["additive", "product", "concat", "spatial"])
def test_tiled_run_equals_untiled_run(tmp_path, fusion, ring_mean_start):
    weights = tiny_weights_folder(tmp_path / "w", tiny_config(ring_mean_start=ring_mean_start))
    cube, _ = scene_with_targets(rows=45, cols=38)
    whole = score_cube(cube, detector(weights, fusion=fusion), tile_size=100000)
    tiled = score_cube(cube, detector(weights, fusion=fusion), tile_size=13)
    np.testing.assert_allclose(tiled, whole, rtol=2e-4, atol=1e-4 * np.abs(whole).max())


def test_shipped_weights_tile_exactly():
    cube, _ = scene_with_targets(rows=70, cols=61, bands=50)
    whole = score_cube(cube, detector(), tile_size=100000)
    tiled = score_cube(cube, detector(), tile_size=24)
    np.testing.assert_allclose(tiled, whole, rtol=2e-4, atol=1e-4 * np.abs(whole).max())


def test_the_shipped_spatial_branch_is_minus_a_ring_mean_and_never_sees_the_pixel():
    """At its ring-mean start the context branch reads only the pixels around each pixel."""
    d = detector()
    y = np.random.default_rng(0).normal(size=(21, 21, d.config.bands)).astype(np.float32)
    changed = y.copy()
    changed[10, 10] += 100.0
    changed[9, 11] -= 50.0  # inside the 3 x 3 guard window too
    network = d.network
    np.testing.assert_allclose(network.context.ungated(y)[10, 10],
                               network.context.ungated(changed)[10, 10], atol=1e-4)


def test_halo_covers_the_receptive_field(tiny_weights):
    """Every ring of a trained branch, only the live first ring (9 x 9) of the shipped one,
    plus the score filter's pixel."""
    d = detector(tiny_weights)
    widest = max(outer for _, outer in d.config.rings) // 2
    assert d.plan.halo >= widest + d.config.score_margin and d.plan.halo % 8 == 0
    shipped = detector()
    assert shipped.network.context.radius == 4 and shipped.plan.halo == 8


def test_invalid_pixels_score_nodata(tiny_weights):
    cube, _ = scene_with_targets()
    cube[3, 4] = np.nan
    scores = score_cube(cube, detector(tiny_weights))
    assert np.isnan(scores[3, 4])
    assert np.isfinite(np.delete(scores.ravel(), 3 * cube.shape[1] + 4)).all()


def test_grid_fusion_is_rx_on_the_grid(tiny_weights):
    """The 'grid' fusion ignores the networks: the implanted targets are found by RX."""
    cube, truth = scene_with_targets()
    assert auc_roc(score_cube(cube, detector(tiny_weights, fusion="grid")), truth) > 0.95


def test_model_version_and_device(tiny_weights):
    d = TwoBranchDetector(device="auto", weights=tiny_weights)
    assert d.model_version.startswith("hsad-twobranch-") and d.device in ("cpu", "cuda")


def test_unknown_device_and_fusion_are_one_line_errors(tiny_weights):
    with pytest.raises(HsadError, match="unknown device 'tpu'"):
        TwoBranchDetector(device="tpu", weights=tiny_weights)
    with pytest.raises(HsadError, match="unknown fusion 'sum'"):
        detector(tiny_weights, fusion="sum")


def test_cuda_without_a_gpu_says_so(tiny_weights):
    pytest.importorskip("torch")
    from hsad.engine.accelerator import gpu_present
    if gpu_present():
        pytest.skip("this machine has a GPU")
    with pytest.raises(HsadError, match="no CUDA GPU"):
        TwoBranchDetector(device="cuda", weights=tiny_weights)


def test_fusion_matrices():
    gates = np.full(4, 0.5)
    (a,) = combination("additive", 4, gates)
    f = np.arange(12.0)
    np.testing.assert_allclose(a @ f, f[:4] + f[4:8] + 0.5 * f[8:])
    assert len(combination("product", 4, gates)) == 2
    with pytest.raises(ValueError):
        combination("nonsense", 4, gates)


def test_fusion_scorer_matches_direct_rx():
    rng = np.random.default_rng(1)
    feats = rng.standard_normal((20, 10, 6)).astype(np.float32)
    flat = feats.reshape(-1, 6).astype(np.float64)
    scorer = FusionScorer("concat", flat.mean(0), np.cov(flat, rowvar=False), np.ones(2))
    z = flat - flat.mean(0)
    expected = np.einsum("ij,jk,ik->i", z, np.linalg.inv(np.cov(flat, rowvar=False)), z)
    np.testing.assert_allclose(scorer.score(feats).ravel(), expected, rtol=1e-4)


def test_the_default_detection_never_imports_torch(tmp_path):
    """The inference path users run, start to finish, with torch never imported."""
    code = ("import sys, numpy as np\n"
            "from hsad.engine.scoring import score_cube\n"
            "from hsad.engine.methods import create_detector\n"
            "cube = np.random.default_rng(0).normal(100, 5, (30, 30, 12)).astype(np.float32)\n"
            "score_cube(cube, create_detector('twobranch'))\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=str(tmp_path), env=dict(os.environ))
    assert done.returncode == 0, done.stderr
