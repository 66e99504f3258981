"""The target experiment's counting: the object taken as target is out of every metric."""
from __future__ import annotations

import numpy as np
import pytest

from hsad.research.scenes import LabelledScene
from hsad.research.target import measure, objects_found, scene_table


def _labels():
    labels = np.zeros((40, 50), int)
    labels[2:4, 2:4] = 1  # the target object
    labels[10, 10] = 2
    labels[20:22, 30] = 3
    return labels


def test_the_own_object_is_neither_positive_nor_background():
    labels = _labels()
    scores = np.linspace(0.0, 1.0, labels.size).reshape(labels.shape)
    scores[labels == 1] = -5.0  # a target scoring lowest must not lower the AUC
    scores[labels == 2], scores[labels == 3] = 2.0, 3.0
    auc, found = measure(scores, labels, own=1)
    assert auc == 1.0 and found == 2


def test_an_object_is_found_when_a_pixel_reaches_the_background_quantile():
    labels = _labels()
    rng = np.random.default_rng(0)
    scores = rng.random(labels.shape)
    background = labels == 0
    top = np.sort(scores[background])[::-1]
    # 0.1 % of 1993 background pixels allows 1: the highest background score is the threshold
    scores[10, 10] = top[0]            # object 2 ties it: found
    scores[20:22, 30] = top[1]         # object 3 stays below: not found
    assert objects_found(scores, labels, 1, background, 1e-3) == 1
    assert objects_found(scores, labels, 1, background, 2e-3) == 2  # three allowed


def test_a_scene_with_one_object_has_nothing_to_find():
    cube = np.random.default_rng(1).normal(size=(20, 20, 6)).astype(np.float32) + 10
    truth = np.zeros((20, 20), bool)
    truth[5, 5] = True
    assert scene_table([LabelledScene("one", "", cube, truth)], ["ace"], log=lambda m: None) == {}


def test_each_object_finds_its_twin(monkeypatch):
    rng = np.random.default_rng(2)
    cube = (rng.normal(size=(30, 30, 8)) + 50).astype(np.float32)
    material = np.linspace(40, 70, 8).astype(np.float32)
    truth = np.zeros((30, 30), bool)
    for r, c in ((4, 4), (20, 25)):
        cube[r:r + 2, c:c + 2] = material + rng.normal(scale=0.3, size=(2, 2, 8))
        truth[r:r + 2, c:c + 2] = True
    table = scene_table([LabelledScene("twins", "", cube, truth)], ["ace", "sam"],
                        log=lambda m: None)
    row = table["twins"]
    assert row["objects"] == 2 and row["others"] == 2
    assert row["ace"]["found"] == 2 and row["ace"]["auc"] == pytest.approx(1.0)
