"""Scoring the labelled real scenes for cross-validation (ground truth used here only).

:func:`evaluate_model` runs the detector's own prepare/features/fit code on each whole scene
and scores every fusion from that one feature pass, plus RX on the original bands.
:func:`leave_one_scene_out` turns a table of per-scene AUCs of candidate configurations into
honest numbers: each scene is scored with the configuration that is best on the other scenes.
"""
from __future__ import annotations

import glob
import os
from typing import Iterable, Optional

import numpy as np

from ..engine.scenes.matfile import load_matlab_scene
from ..engine.metrics import auc_roc
from ..engine.scenes.scene import ArrayScene
from ..engine.statistics import BandStatisticsAccumulator

FUSION_CHOICES = ("additive", "product", "concat", "spectral", "spatial", "grid")


def labelled_scenes(folder: str) -> dict:
    """{stem: (cube, truth)} of every ``*.mat`` with a ground truth in ``folder``."""
    out = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.mat"))):
        m = load_matlab_scene(path)
        if m.truth is not None:
            out[os.path.splitext(os.path.basename(path))[0]] = (m.cube.astype(np.float32), m.truth)
    return out


def labelled_scenes_for(command: str, folder: str) -> Optional[dict]:
    """The labelled scenes an analysis command scores, or None after a one-line error."""
    import sys
    scenes = labelled_scenes(folder)
    if not scenes:
        print(f"{command}: no labelled scenes in {folder}", file=sys.stderr)
        return None
    return scenes


def rx_original(cube: np.ndarray) -> np.ndarray:
    """Global RX on the scene's own bands (the baseline every table starts from)."""
    x = cube.reshape(-1, cube.shape[2]).astype(np.float64)
    from ..engine.statistics import GaussianAccumulator, inverse_covariance, mahalanobis_squared
    g = GaussianAccumulator(cube.shape[2])
    g.add(x)
    return mahalanobis_squared(x, g.mean, inverse_covariance(g.covariance)).reshape(cube.shape[:2])


def scene_feature_fit(detector, cube: np.ndarray):
    """Run prepare, features and fit of a TwoBranchDetector on a whole in-memory scene."""
    scene = ArrayScene(cube)
    acc = BandStatisticsAccumulator(cube.shape[2])
    data, valid = scene.read(0, 0, *cube.shape[:2])
    acc.add(data[valid])
    detector.prepare(scene.info, acc.result())
    feats = detector.features(data, valid)
    detector.fit(feats, valid)
    return feats


def evaluate_model(model, scenes: dict, fusions: Iterable[str] = FUSION_CHOICES) -> dict:
    """{fusion: {scene: ROC AUC}} for one model (plus ``rx`` on the original bands)."""
    from .detector import TwoBranchDetector
    table: dict = {f: {} for f in fusions}
    table["rx"] = {}
    for name, (cube, truth) in scenes.items():
        detector = TwoBranchDetector(model, {}, "cpu", native_weight=0.0)  # the networks alone
        feats = scene_feature_fit(detector, cube)
        for fusion in fusions:
            table[fusion][name] = auc_roc(detector.fusion_scorer(fusion).score(feats), truth)
        table["rx"][name] = auc_roc(rx_original(cube), truth)
    return table


def leave_one_scene_out(table: dict, candidates: Optional[list] = None,
                        default: Optional[str] = None, tolerance: float = 0.0) -> dict:
    """{scene: (chosen candidate, its AUC)}: per scene, the candidate best on the other scenes.

    With ``default``: the default is kept unless another candidate beats it on the other
    scenes by more than ``tolerance`` (differences smaller than seed-to-seed noise are ties).
    """
    candidates = candidates or list(table)
    scenes = list(next(iter(table.values())))
    out = {}
    for held in scenes:
        def mean_without(c):
            return np.mean([table[c][s] for s in scenes if s != held])
        best = max(candidates, key=mean_without)
        if default in table and mean_without(best) - mean_without(default) <= tolerance:
            best = default
        out[held] = (best, table[best][held])
    return out
