"""Detection quality: ROC AUC and Chang's 3-D ROC measures, on valid pixels only.

* ``auc_roc`` - area under Pd(Pf): the probability that a random anomaly pixel outscores a
  random background pixel, ties counting one half (Mann-Whitney), equal to scikit-learn's
  ``roc_auc_score``.
* ``auc_pd_tau`` / ``auc_pf_tau`` - areas under Pd(tau) and Pf(tau) with tau over [0, 1] on the
  min-max normalised score; they equal the mean normalised score of anomaly / background pixels.
  Higher AUC(Pd, tau) means stronger target response; lower AUC(Pf, tau) means cleaner background.
* ``snpr`` - signal-to-noise probability ratio AUC(Pd, tau) / AUC(Pf, tau) (Chang, 3-D ROC).

What an analyst sees after the threshold (:func:`operating_points`, :func:`partial_auc`):

* at a background false-alarm rate ``a`` the threshold is set on the background's own scores so
  that at most that share of its pixels is flagged: with N background pixels and
  k = floor(a N), a pixel is flagged when its score is **strictly above the (k + 1)-th highest
  background score** (exactly k background pixels flagged when no other background pixel ties
  with the k-th; ties at the threshold are left out, never let in, so the rate is never
  exceeded and a constant score flags nothing);
* *pixels found*: the share of anomaly pixels flagged; *objects found*: the share of truth
  objects (8-connected components of the truth map in 2-D; in general all neighbours,
  diagonals included) with at least one flagged pixel. An object with no valid pixel cannot be
  scored and is not counted;
* ``partial_auc`` - the area under the ROC curve for false-alarm rates 0 to ``max_rate`` (0.01)
  divided by ``max_rate``: the mean detection rate over those rates, 1 for a perfect detector
  and ``max_rate / 2`` for chance (plain normalisation, not McClish's). The curve is the one
  :func:`auc_roc` integrates (ties as straight segments), cut at ``max_rate`` by
  interpolation, so over the whole range it equals the ROC AUC.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np

from .errors import InputError

OPERATING_RATES = (1e-3, 1e-2)  # background false-alarm rates the harness reports
PARTIAL_AUC_MAX_RATE = 1e-2


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


@dataclass
class OperatingPoint:
    """What a threshold at one background false-alarm rate flags."""

    false_alarm_rate: float  # asked
    threshold: float  # flagged: score strictly above this
    background_flagged: float  # the share of background pixels flagged (at most the rate)
    pixels_found: float  # share of anomaly pixels flagged
    objects_found: int  # truth objects with at least one flagged pixel
    objects: int  # truth objects with at least one valid pixel

    @property
    def object_share(self) -> float:
        return self.objects_found / self.objects if self.objects else float("nan")

    def as_dict(self) -> dict:
        return {**asdict(self), "object_share": self.object_share}


def background_threshold(background: np.ndarray, rate: float) -> float:
    """The score a pixel must exceed to be flagged at this background false-alarm rate: the
    (k + 1)-th highest background score, k = floor(rate x background pixels) (-inf when every
    background pixel may be flagged)."""
    if not 0.0 < rate < 1.0:
        raise ValueError(f"false-alarm rate must be in (0, 1), got {rate}")
    values = np.asarray(background, dtype=np.float64).ravel()
    allowed = int(np.floor(rate * values.size * (1 + 1e-12)))  # 0.001 x 1000 is 1, not 0.999..
    if allowed >= values.size:
        return -np.inf
    return float(np.partition(values, values.size - 1 - allowed)[values.size - 1 - allowed])


def truth_objects(truth: np.ndarray) -> tuple:
    """(labels, count): the connected components of a truth map, diagonals connecting."""
    from scipy import ndimage
    truth = np.asarray(truth, dtype=bool)
    structure = ndimage.generate_binary_structure(max(truth.ndim, 1), max(truth.ndim, 1))
    return ndimage.label(truth, structure=structure)


def operating_points(scores: np.ndarray, truth: np.ndarray, valid=None,
                     rates: Sequence[float] = OPERATING_RATES) -> list:
    """One :class:`OperatingPoint` per rate (definitions in the module docstring); ``scores``
    and ``truth`` keep their map shape so that objects can be found."""
    scores = np.asarray(scores, dtype=np.float64)
    truth = np.asarray(truth).astype(bool)
    if scores.shape != truth.shape:
        raise InputError(f"score map is {scores.shape} but the ground truth is {truth.shape}")
    keep = np.isfinite(scores)
    if valid is not None:
        keep &= np.asarray(valid).astype(bool).reshape(scores.shape)
    anomalies, background = keep & truth, keep & ~truth
    if not anomalies.any() or not background.any():
        raise InputError("the ground truth needs both anomaly and background pixels")
    labels, _ = truth_objects(truth)
    scored = np.unique(labels[anomalies])
    out = []
    for rate in rates:
        threshold = background_threshold(scores[background], rate)
        flagged = keep & (scores > threshold)
        found = np.unique(labels[flagged & truth])
        out.append(OperatingPoint(float(rate), threshold,
                                  float((flagged & ~truth).sum() / background.sum()),
                                  float((flagged & truth).sum() / anomalies.sum()),
                                  int(found.size), int(scored.size)))
    return out


def partial_auc(scores: np.ndarray, truth: np.ndarray, valid=None,
                max_rate: float = PARTIAL_AUC_MAX_RATE) -> float:
    """Area under the ROC curve over false-alarm rates [0, max_rate], divided by max_rate."""
    if not 0.0 < max_rate <= 1.0:
        raise ValueError(f"max_rate must be in (0, 1], got {max_rate}")
    pf, pd = roc_curve(scores, truth, valid)
    if not pd[-1] or pf[-1] < 1:
        raise InputError("the ground truth needs both anomaly and background pixels")
    cut = int(np.searchsorted(pf, max_rate, side="left"))  # pf[cut - 1] < max_rate <= pf[cut]
    xs = np.r_[pf[:cut], max_rate]
    ys = np.r_[pd[:cut], np.interp(max_rate, pf[cut - 1:cut + 1], pd[cut - 1:cut + 1])]
    return float(np.sum(np.diff(xs) * (ys[1:] + ys[:-1]) / 2.0) / max_rate)
