"""The native-band RX term: its cross-validated weight, and the shipped detector applying it."""
from __future__ import annotations

import os

import numpy as np
import pytest

from hsad.models.native_weight_cv import average, choose, cross_validate, report
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


def test_the_weight_is_chosen_on_the_seed_average_and_reported_for_the_shipped_networks():
    """A lucky shipped seed that needs no native term does not decide the recipe's weight."""
    rx = {"a": 0.90, "b": 0.99}
    shipped = {0.0: {"a": 0.99, "b": 0.990}, 1.0: {"a": 0.97, "b": 0.992}}
    unlucky = {0.0: {"a": 0.99, "b": 0.960}, 1.0: {"a": 0.97, "b": 0.990}}
    assert average([shipped, unlucky])[0.0]["b"] == pytest.approx(0.975)
    result = report([shipped, unlucky], rx)
    assert result["single_seed"]["chosen_on_all"] == 0.0  # the shipped seed alone: no term
    assert result["chosen_on_all"] == 1.0                  # the recipe on average needs it
    assert result["held_out"]["b"] == {"weight": 0.0, "auc": 0.990, "rx": 0.99}  # a alone
    assert result["held_out"]["a"]["weight"] == 1.0 and result["held_out"]["a"]["auc"] == 0.97
    assert len(result["seed_tables"]) == 2 and result["table"]["1.0"] == shipped[1.0]


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
