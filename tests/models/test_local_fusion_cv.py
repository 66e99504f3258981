"""Local RX on the enhanced features: the fused vectors, and the cross-validated comparison."""
import numpy as np
import pytest
import scipy.io

from hsad.engine.metrics import auc_roc
from hsad.engine.statistics import GaussianAccumulator, inverse_covariance, mahalanobis_squared
from hsad.models.detector import load_detector
from hsad.models.evaluation import labelled_scenes, scene_feature_fit
from hsad.models.local_fusion_cv import OPTIONS, local_fusion_table, main

from .conftest import synthetic_cube


def test_global_rx_of_the_fused_vectors_is_the_fusion_score(tiny_weights):
    """The vectors handed to local RX are exactly what the fusion's global RX scores."""
    cube, _ = synthetic_cube(bands=30)
    detector = load_detector(device="cpu", weights=tiny_weights, native_weight=0.0)
    feats = scene_feature_fit(detector, cube)
    scorer = detector.fusion_scorer("additive")
    fused = scorer.fused(feats)
    assert fused.shape == (*cube.shape[:2], detector.config.bands)
    flat = fused.reshape(-1, fused.shape[2])
    g = GaussianAccumulator(flat.shape[1])
    g.add(flat)
    direct = mahalanobis_squared(flat, g.mean, inverse_covariance(g.covariance))
    np.testing.assert_allclose(direct.reshape(cube.shape[:2]), scorer.score(feats),
                               rtol=1e-3, atol=1e-3)
    with pytest.raises(ValueError, match="product"):
        detector.fusion_scorer("product").fused(feats)


def test_table_compares_global_and_local_fusions_per_scene(tiny_weights, tmp_path):
    cube, truth = synthetic_cube(bands=30)
    scipy.io.savemat(tmp_path / "scene.mat", {"data": cube, "map": truth.astype(np.uint8)})
    table = local_fusion_table(labelled_scenes(str(tmp_path)), tiny_weights)
    assert set(table) == set(OPTIONS) | {"rx"}
    detector = load_detector(device="cpu", weights=tiny_weights, native_weight=0.0)
    feats = scene_feature_fit(detector, cube.astype(np.float32))
    expected = auc_roc(detector.fusion_scorer("additive").score(feats), truth)
    assert table[OPTIONS[0]]["scene"] == pytest.approx(expected, abs=1e-9)
    assert all(0.0 <= per["scene"] <= 1.0 for per in table.values())


def test_an_empty_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["--real", str(tmp_path)]) == 2
    assert "no labelled scenes" in capsys.readouterr().err
