"""Detection quality: ROC AUC and Chang's 3-D ROC measures, on valid pixels only.

* ``auc_roc`` - area under Pd(Pf): the probability that a random anomaly pixel outscores a
  random background pixel, ties counting one half (Mann-Whitney), equal to scikit-learn's
  ``roc_auc_score``.
* ``auc_pd_tau`` / ``auc_pf_tau`` - areas under Pd(tau) and Pf(tau) with tau over [0, 1] on the
  min-max normalised score; they equal the mean normalised score of anomaly / background pixels.
  Higher AUC(Pd, tau) means stronger target response; lower AUC(Pf, tau) means cleaner background.
* ``snpr`` - signal-to-noise probability ratio AUC(Pd, tau) / AUC(Pf, tau) (Chang, 3-D ROC).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .errors import InputError


@dataclass
class DetectionMetrics:
    auc_roc: float
    auc_pd_tau: float
    auc_pf_tau: float
    snpr: float
    anomalies: int
    background: int

    def as_dict(self) -> dict:
        return asdict(self)


def _pairs(scores: np.ndarray, truth: np.ndarray, valid=None) -> tuple:
    scores = np.asarray(scores, dtype=np.float64).ravel()
    truth = np.asarray(truth).ravel().astype(bool)
    if scores.shape != truth.shape:
        raise InputError(f"score map has {scores.size} pixels but the ground truth has {truth.size}")
    keep = np.isfinite(scores)
    if valid is not None:
        keep &= np.asarray(valid).ravel().astype(bool)
    return scores[keep], truth[keep]


def auc_roc(scores: np.ndarray, truth: np.ndarray, valid=None) -> float:
    """ROC AUC(Pd, Pf) with ties handled exactly (average ranks)."""
    s, t = _pairs(scores, truth, valid)
    positives, negatives = int(t.sum()), int((~t).sum())
    if positives == 0 or negatives == 0:
        raise InputError("the ground truth needs both anomaly and background pixels")
    from scipy.stats import rankdata  # not at import time: 0.2 s of every QGIS start
    ranks = rankdata(s)
    return float((ranks[t].sum() - positives * (positives + 1) / 2.0) / (positives * negatives))


def evaluate_scores(scores: np.ndarray, truth: np.ndarray, valid=None) -> DetectionMetrics:
    """All measures for one score map against a binary ground truth."""
    s, t = _pairs(scores, truth, valid)
    auc = auc_roc(s, t)
    lo, hi = s.min(), s.max()
    normalised = (s - lo) / (hi - lo) if hi > lo else np.zeros_like(s)
    pd_tau = float(normalised[t].mean())
    pf_tau = float(normalised[~t].mean())
    snpr = pd_tau / pf_tau if pf_tau > 0 else float("inf")
    return DetectionMetrics(auc, pd_tau, pf_tau, snpr, int(t.sum()), int((~t).sum()))


def roc_curve(scores: np.ndarray, truth: np.ndarray, valid=None) -> tuple:
    """(false alarm rate, detection rate) at every distinct threshold, from (0, 0) to (1, 1)."""
    s, t = _pairs(scores, truth, valid)
    order = np.argsort(-s, kind="mergesort")
    s, t = s[order], t[order]
    last_of_value = np.r_[np.flatnonzero(np.diff(s)), s.size - 1]
    tp = np.cumsum(t)[last_of_value]
    fp = np.cumsum(~t)[last_of_value]
    pd = np.r_[0.0, tp / max(t.sum(), 1)]
    pf = np.r_[0.0, fp / max((~t).sum(), 1)]
    return pf, pd
