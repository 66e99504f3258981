"""The twobranch detector through the engine pipeline: shapes, tiling, fusions, devices."""
import numpy as np
import pytest

from hsad.engine.metrics import auc_roc
from hsad.engine.pipeline import score_cube, score_scene
from hsad.engine.scenes.scene import ArrayScene
from hsad.models.detector import load_detector
from hsad.models.fusion import FusionScorer, combination

from .conftest import synthetic_cube


def run(detector, cube, tile_size):
    out = np.full(cube.shape[:2], np.nan, np.float32)

    def sink(scores, row, col):
        out[row:row + scores.shape[0], col:col + scores.shape[1]] = scores

    score_scene(ArrayScene(cube), detector, sink, tile_size=tile_size)
    return out


def test_scores_have_the_scene_shape_and_are_finite(tiny_weights):
    cube, _ = synthetic_cube()
    scores = score_cube(cube, load_detector(device="cpu", weights=tiny_weights))
    assert scores.shape == cube.shape[:2]
    assert scores.dtype == np.float32
    assert np.isfinite(scores).all()


@pytest.mark.parametrize("wavelengths, expected", [
    (None, "no wavelengths in the file: its bands are spread over the model's 8-band grid"),
    (np.linspace(450.0, 2300.0, 30), "by wavelength (450-2300 nm)")])
def test_the_log_says_how_the_bands_meet_the_grid(tiny_weights, wavelengths, expected):
    from hsad.engine.scenes.spectral import SpectralInfo
    cube, _ = synthetic_cube()
    scene = ArrayScene(cube, spectral=SpectralInfo(wavelengths_nm=wavelengths))
    lines = []
    score_scene(scene, load_detector(device="cpu", weights=tiny_weights), lambda *a: None,
                log=lines.append)
    assert any(expected in line for line in lines), lines


@pytest.mark.parametrize("fusion", ["additive", "product", "concat", "spatial"])
def test_tiled_run_equals_untiled_run(tiny_weights, fusion):
    cube, _ = synthetic_cube(rows=45, cols=38)
    whole = run(load_detector(device="cpu", weights=tiny_weights, fusion=fusion), cube, 100000)
    tiled = run(load_detector(device="cpu", weights=tiny_weights, fusion=fusion), cube, 13)
    np.testing.assert_allclose(tiled, whole, rtol=2e-4, atol=1e-4 * np.abs(whole).max())


@pytest.fixture
def context_weights(tmp_path):
    """A tiny model whose spatial branch is the blind-spot context predictor."""
    import torch
    from hsad.models.architecture import TwoBranchModel
    from hsad.models.weights_io import save_weights
    from .conftest import tiny_config
    torch.manual_seed(1)
    config = tiny_config(spatial="context", rings=((3, 5), (5, 9)), ring_mean_start=True)
    folder = tmp_path / "context"
    save_weights(TwoBranchModel(config).eval(), str(folder), {})
    return str(folder)


@pytest.mark.parametrize("fusion", ["additive", "product"])
def test_context_branch_tiles_exactly(context_weights, fusion):
    cube, _ = synthetic_cube(rows=41, cols=37)
    whole = run(load_detector(device="cpu", weights=context_weights, fusion=fusion), cube, 100000)
    tiled = run(load_detector(device="cpu", weights=context_weights, fusion=fusion), cube, 11)
    np.testing.assert_allclose(tiled, whole, rtol=2e-4, atol=1e-4 * np.abs(whole).max())


def test_context_branch_starts_as_minus_the_ring_mean():
    import torch
    from hsad.models.context_branch import ContextBranch, ring_mean
    branch = ContextBranch(6, rings=((3, 7),), ring_mean_start=True).eval()
    y = torch.randn(1, 6, 15, 15)
    expected = -ring_mean(y, 3, 7) * torch.sigmoid(torch.tensor(6.0))
    torch.testing.assert_close(branch(y), expected, rtol=1e-5, atol=1e-5)


def test_context_branch_never_sees_the_centre_pixel():
    import torch
    from hsad.models.context_branch import ContextBranch
    torch.manual_seed(0)
    branch = ContextBranch(5, rings=((3, 7), (7, 11))).eval()
    y = torch.randn(1, 5, 21, 21)
    changed = y.clone()
    changed[0, :, 10, 10] += 100.0
    changed[0, :, 9, 11] -= 50.0  # inside the 3 x 3 guard window too
    with torch.no_grad():
        assert torch.allclose(branch.ungated(y)[..., 10, 10], branch.ungated(changed)[..., 10, 10],
                              atol=1e-4)


def test_halo_covers_the_receptive_field(tiny_weights):
    detector = load_detector(device="cpu", weights=tiny_weights)
    assert detector.halo >= detector._model.radius
    assert detector.halo % 8 == 0


def test_invalid_pixels_score_nodata(tiny_weights):
    cube, _ = synthetic_cube()
    cube[3, 4] = np.nan
    scores = score_cube(cube, load_detector(device="cpu", weights=tiny_weights))
    assert np.isnan(scores[3, 4])
    assert np.isfinite(np.delete(scores.ravel(), 3 * cube.shape[1] + 4)).all()


def test_grid_fusion_is_rx_on_the_grid(tiny_weights):
    """The 'grid' fusion ignores the networks: an implanted anomaly is found by RX."""
    cube, truth = synthetic_cube()
    scores = score_cube(cube, load_detector(device="cpu", weights=tiny_weights, fusion="grid"))
    assert auc_roc(scores, truth) > 0.95


def test_model_version_and_device(tiny_weights):
    detector = load_detector(device="auto", weights=tiny_weights)
    assert detector.model_version.startswith("hsad-twobranch-")
    assert detector.device in ("cpu", "cuda")


def test_unknown_device_is_a_one_line_error(tiny_weights):
    from hsad.engine.errors import HsadError
    with pytest.raises(HsadError):
        load_detector(device="tpu", weights=tiny_weights)


def test_unknown_fusion_is_refused_before_any_pass(tiny_weights):
    from hsad.engine.errors import HsadError
    with pytest.raises(HsadError, match="unknown fusion 'sum'"):
        load_detector(device="cpu", weights=tiny_weights, fusion="sum")


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
