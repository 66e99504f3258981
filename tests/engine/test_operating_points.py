"""Objects and pixels found at a background false-alarm rate, and the partial AUC, against a
direct count: every threshold tried in turn, objects grown pixel by pixel, the ROC curve built
one distinct score at a time."""
from __future__ import annotations

import math

import numpy as np
import pytest

from hsad.engine.errors import InputError
from hsad.engine.metrics import (auc_roc, background_threshold, operating_points, partial_auc,
                                 truth_objects)


def objects_by_flood_fill(truth: np.ndarray) -> list:
    """Each 8-connected object of a 2-D truth map as a set of (row, col)."""
    seen, objects = set(), []
    rows, cols = truth.shape
    for r in range(rows):
        for c in range(cols):
            if not truth[r, c] or (r, c) in seen:
                continue
            stack, member = [(r, c)], set()
            seen.add((r, c))
            while stack:
                i, j = stack.pop()
                member.add((i, j))
                for di in (-1, 0, 1):
                    for dj in (-1, 0, 1):
                        a, b = i + di, j + dj
                        if 0 <= a < rows and 0 <= b < cols and truth[a, b] and (a, b) not in seen:
                            seen.add((a, b))
                            stack.append((a, b))
            objects.append(member)
    return objects


def direct_count(scores, truth, valid, rate):
    """(pixels found, objects found, objects, background flagged): the lowest threshold t among
    the scores (or -inf) for which 'score > t' flags at most floor(rate x N) background pixels."""
    cells = [(r, c) for r in range(truth.shape[0]) for c in range(truth.shape[1])
             if valid[r, c] and np.isfinite(scores[r, c])]
    background = [p for p in cells if not truth[p]]
    anomalies = [p for p in cells if truth[p]]
    allowed = math.floor(rate * len(background) + 1e-9)
    candidates = sorted({scores[p] for p in cells}) + [math.inf]
    threshold = next(t for t in [-math.inf] + candidates
                     if sum(scores[p] > t for p in background) <= allowed)
    flagged = {p for p in cells if scores[p] > threshold}
    objects = [o for o in objects_by_flood_fill(truth) if any(p in cells for p in o)]
    found = sum(1 for o in objects if o & flagged)
    return (sum(p in flagged for p in anomalies) / len(anomalies), found, len(objects),
            sum(p in flagged for p in background) / len(background))


def scene(seed: int, levels: int = 0):
    """A small scene: blobs of truth, scores with (levels > 0) many ties, some invalid pixels."""
    rng = np.random.default_rng(seed)
    truth = rng.random((23, 19)) < 0.08
    truth[5:8, 3:6] = True  # one larger object
    scores = rng.normal(size=truth.shape) + truth * rng.uniform(0, 3, truth.shape)
    if levels:
        scores = np.round(scores * levels / 4) / levels
    valid = rng.random(truth.shape) > 0.05
    scores[rng.random(truth.shape) < 0.03] = np.nan
    return scores, truth, valid


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("levels", [0, 2, 8])
@pytest.mark.parametrize("rate", [0.001, 0.01, 0.05, 0.2])
def test_operating_points_equal_a_direct_count(seed, levels, rate):
    scores, truth, valid = scene(seed, levels)
    (point,) = operating_points(scores, truth, valid, rates=[rate])
    pixels, found, objects, background = direct_count(scores, truth, valid, rate)
    assert point.pixels_found == pytest.approx(pixels, abs=1e-12)
    assert (point.objects_found, point.objects) == (found, objects)
    assert point.background_flagged == pytest.approx(background, abs=1e-12)
    assert point.background_flagged <= rate


def test_without_ties_exactly_the_allowed_background_pixels_are_flagged():
    rng = np.random.default_rng(3)
    truth = np.zeros((100, 100), bool)
    truth[10:12, 10:12] = True
    scores = rng.random(truth.shape)
    for rate, allowed in ((0.001, 9), (0.01, 99)):  # 9996 background pixels
        (point,) = operating_points(scores, truth, rates=[rate])
        assert point.background_flagged * 9996 == pytest.approx(allowed)


def test_ties_at_the_threshold_are_left_out():
    background = np.array([5.0, 4.0, 4.0, 4.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    assert background_threshold(background, 0.1) == 4.0  # one allowed: only the 5 is above
    assert background_threshold(background, 0.2) == 4.0  # two allowed, but the 4s tie: just one
    assert background_threshold(background, 0.4) == 1.0  # four: the 5 and the three 4s
    assert background_threshold(np.ones(10), 0.5) == 1.0  # a constant score flags nothing


def test_objects_connect_through_corners_and_unscorable_objects_are_not_counted():
    truth = np.zeros((6, 6), bool)
    truth[0, 0] = truth[1, 1] = True  # one object (diagonal neighbours)
    truth[4, 4] = True  # a second object, all of it invalid
    assert truth_objects(truth)[1] == 2
    scores = np.zeros((6, 6))
    scores[1, 1] = 10.0
    valid = np.ones((6, 6), bool)
    valid[4, 4] = False
    (point,) = operating_points(scores, truth, valid, rates=[0.05])
    assert (point.objects_found, point.objects, point.pixels_found) == (1, 1, 0.5)


def direct_partial_auc(scores, truth, valid, max_rate, samples=400001):
    keep = valid & np.isfinite(scores)
    s, t = scores[keep], truth[keep]
    points = [(0.0, 0.0)]
    for value in sorted(set(s), reverse=True):  # one step per distinct score: ties together
        flagged = s >= value
        points.append(((flagged & ~t).sum() / (~t).sum(), (flagged & t).sum() / t.sum()))
    pf, pd = np.array(points).T
    grid = np.linspace(0.0, max_rate, samples)
    curve = np.interp(grid, pf, pd)  # a vertical step (pf repeated) has no area
    return float(np.sum((curve[1:] + curve[:-1]) / 2 * np.diff(grid)) / max_rate)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("levels", [0, 3])
@pytest.mark.parametrize("max_rate", [0.01, 0.1, 0.5])
def test_partial_auc_equals_a_direct_integration(seed, levels, max_rate):
    scores, truth, valid = scene(seed, levels)
    assert partial_auc(scores, truth, valid, max_rate) == pytest.approx(
        direct_partial_auc(scores, truth, valid, max_rate), abs=2e-4)


def test_partial_auc_over_every_rate_is_the_roc_auc_and_its_bounds():
    scores, truth, valid = scene(1, 3)
    assert partial_auc(scores, truth, valid, 1.0) == pytest.approx(auc_roc(scores, truth, valid),
                                                                   abs=1e-12)
    perfect = truth.astype(float)
    assert partial_auc(perfect, truth, max_rate=0.01) == 1.0
    assert partial_auc(np.zeros(truth.shape), truth, max_rate=0.01) == pytest.approx(0.005)
    assert partial_auc(-perfect, truth, max_rate=0.01) == 0.0


def test_a_truth_without_background_or_anomalies_is_refused():
    with pytest.raises(InputError):
        operating_points(np.ones((3, 3)), np.ones((3, 3), bool))
    with pytest.raises(InputError):
        partial_auc(np.ones((3, 3)), np.zeros((3, 3), bool))
