"""The native-band RX term: its cross-validated weight, and the shipped detector applying it."""
from __future__ import annotations

import os

import numpy as np
import pytest

from hsad.models.native_weight_cv import choose, cross_validate
from hsad.models.weights_io import MANIFEST, WEIGHTS_DIR, read_manifest


def test_choose_takes_the_best_mean_among_weights_that_keep_every_margin():
    rx = {"a": 0.90, "b": 0.99}
    table = {0.0: {"a": 0.99, "b": 0.980}, 0.5: {"a": 0.97, "b": 0.986}, 1.0: {"a": 0.95, "b": 0.99}}
    assert choose(table, rx, ["a", "b"]) == 0.5          # 0.0 leaves b 0.010 below RX
    assert choose(table, rx, ["a"]) == 0.0               # without b, nothing asks for the term
    result = cross_validate(table, rx)
    assert result["held_out"]["b"]["weight"] == 0.0 and result["chosen_on_all"] == 0.5


def test_no_feasible_weight_falls_back_to_the_smallest_shortfall():
    rx = {"a": 0.99}
    table = {0.0: {"a": 0.95}, 1.0: {"a": 0.97}}
    assert choose(table, rx, ["a"]) == 1.0


@pytest.mark.skipif(not os.path.isfile(os.path.join(WEIGHTS_DIR, MANIFEST)), reason="no weights")
def test_shipped_detector_scores_as_its_manifest_records():
    """Through the engine pipeline, the shipped detector gives the AUC the weight CV recorded."""
    from hsad.engine.metrics import auc_roc
    from hsad.engine.pipeline import score_cube
    from hsad.models.detector import load_detector
    from hsad.models.evaluation import labelled_scenes
    from .conftest import DEFAULT_REAL
    if not os.path.isdir(DEFAULT_REAL):
        pytest.skip("../shared/data is not available")
    manifest = read_manifest()
    weight = manifest["config"]["native_rx_weight"]
    recorded = manifest["native_weight_cross_validation"]
    assert weight == recorded["chosen_on_all"] > 0
    cube, truth = labelled_scenes(DEFAULT_REAL)["pavia-centre"]
    detector = load_detector(device="cpu")
    assert detector.native_weight == weight
    scores = score_cube(cube, detector, tile_size=37)
    assert auc_roc(scores, truth) == pytest.approx(recorded["table"][str(weight)]["pavia-centre"],
                                                   abs=2e-4)
    assert np.isfinite(scores).all()
