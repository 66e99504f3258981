"""The labelled scenes, and AUCs of detectors on them through the product's pipeline."""
from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from typing import Dict, List, Optional

import numpy as np

from ..engine.methods import create_detector
from ..engine.methods.base import Detector
from ..engine.errors import HsadError
from ..engine.metrics import auc_roc
from ..engine.scenes.matfile import load_matlab_scene
from ..engine.scoring import score_cube
from ..engine.methods.twobranch.training.data import DEFAULT_BACKGROUND, DEFAULT_REAL

SHORT = {"abu-airport-2": "air-2", "abu-airport-3": "air-3", "abu-airport-4": "air-4",
         "abu-beach-1": "bch-1", "abu-beach-2": "bch-2", "abu-urban-2": "urb-2",
         "abu-urban-4": "urb-4", "abu-urban-5": "urb-5", "pavia-centre": "pavia",
         "sandiego-1": "sd-1", "sandiego-2": "sd-2"}


@dataclass
class LabelledScene:
    name: str
    path: str
    cube: np.ndarray  # (rows, cols, bands) float32
    truth: np.ndarray  # bool (rows, cols)


def labelled_scenes(folder: str = DEFAULT_REAL) -> List[LabelledScene]:
    """Every ``*.mat`` with a ground truth in ``folder``, or a one-line error."""
    out = []
    for path in sorted(glob.glob(os.path.join(folder, "*.mat"))):
        found = load_matlab_scene(path)
        if found.truth is not None:
            out.append(LabelledScene(os.path.splitext(os.path.basename(path))[0], path,
                                     found.cube.astype(np.float32), found.truth))
    if not out:
        raise HsadError(f"{folder}: no labelled scenes (MATLAB files with a ground truth)")
    return out


def auc(scene: LabelledScene, detector: Detector) -> float:
    """ROC AUC of a detector on a scene, scored the way `hsad detect` scores files."""
    return auc_roc(score_cube(scene.cube, detector, tile_size=256), scene.truth)


def method_aucs(scenes: List[LabelledScene], method: str, options: Optional[dict] = None,
                device: str = "cpu") -> Dict[str, float]:
    """{scene: AUC} of a registry method with its options."""
    return {s.name: auc(s, create_detector(method, options, device)) for s in scenes}


__all__ = ["LabelledScene", "labelled_scenes", "auc", "method_aucs", "SHORT",
           "DEFAULT_REAL", "DEFAULT_BACKGROUND"]
