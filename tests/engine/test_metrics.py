"""ROC AUC and 3-D ROC measures against scikit-learn and their definitions."""
from __future__ import annotations

import numpy as np
import pytest

from hsad.engine.errors import InputError
from hsad.engine.metrics import auc_roc, evaluate_scores, roc_curve

sklearn_metrics = pytest.importorskip("sklearn.metrics")
trapezoid = getattr(np, "trapezoid", None) or np.trapz  # numpy 2 renamed it; 2.4 removed trapz


@pytest.mark.parametrize("seed", range(5))
def test_auc_equals_sklearn_on_random_scores(seed):
    rng = np.random.default_rng(seed)
    truth = rng.random(3000) < 0.03
    scores = rng.normal(size=3000) + truth * rng.uniform(0, 3)
    assert auc_roc(scores, truth) == pytest.approx(sklearn_metrics.roc_auc_score(truth, scores), abs=1e-12)


@pytest.mark.parametrize("levels", [2, 5, 20])
def test_auc_equals_sklearn_with_many_ties(levels):
    rng = np.random.default_rng(levels)
    truth = rng.random(5000) < 0.1
    scores = rng.integers(0, levels, 5000) + truth * rng.integers(0, 2, 5000)
    assert auc_roc(scores, truth) == pytest.approx(sklearn_metrics.roc_auc_score(truth, scores), abs=1e-12)


def test_constant_scores_give_one_half():
    truth = np.array([0, 0, 1, 0, 1], bool)
    assert auc_roc(np.ones(5), truth) == 0.5


def test_invalid_pixels_are_ignored():
    truth = np.array([1, 0, 0, 0, 1], bool)
    scores = np.array([5.0, 1.0, np.nan, 2.0, 4.0])
    valid = np.array([True, True, True, False, True])
    assert auc_roc(scores, truth, valid) == 1.0


def test_roc_curve_area_equals_auc():
    rng = np.random.default_rng(1)
    truth = rng.random(2000) < 0.05
    scores = np.round(rng.normal(size=2000) + 2 * truth, 1)
    pf, pd = roc_curve(scores, truth)
    assert pf[0] == pd[0] == 0 and pf[-1] == pd[-1] == 1
    assert trapezoid(pd, pf) == pytest.approx(auc_roc(scores, truth), abs=1e-12)


def test_3d_roc_measures_follow_their_definitions():
    rng = np.random.default_rng(2)
    truth = rng.random(4000) < 0.05
    scores = rng.gamma(2.0, size=4000) + 4 * truth
    m = evaluate_scores(scores, truth)
    tau = np.linspace(0, 1, 20001)
    norm = (scores - scores.min()) / (scores.max() - scores.min())
    pd_tau = np.array([(norm[truth] >= t).mean() for t in tau])
    pf_tau = np.array([(norm[~truth] >= t).mean() for t in tau])
    assert m.auc_pd_tau == pytest.approx(trapezoid(pd_tau, tau), abs=2e-4)
    assert m.auc_pf_tau == pytest.approx(trapezoid(pf_tau, tau), abs=2e-4)
    assert m.snpr == pytest.approx(m.auc_pd_tau / m.auc_pf_tau)
    assert (m.anomalies, m.background) == (truth.sum(), (~truth).sum())


def test_truth_without_anomalies_is_an_error():
    with pytest.raises(InputError, match="both anomaly and background"):
        auc_roc(np.arange(5.0), np.zeros(5, bool))
