"""What `hsad:threshold`'s false-alarm-rate rule finds on the labelled scenes, at several rates,
and with hysteresis (seeds at one rate grown into their 8-connected pixels above a lower one).

The rule is the product's (`engine/threshold.py`, `far`: the empirical quantile of the valid
scores, so anomalies share the budget with the background); the truth only counts what the mask
holds: truth objects (8-connected) hit, mask objects touching no truth pixel ("false objects"),
target pixels covered, background flagged. Per-scene means, false objects summed.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from ..engine.detectors import create_detector
from ..engine.metrics import truth_objects
from ..engine.scoring import score_cube
from ..engine.threshold import ThresholdRule, choose_threshold
from .scenes import labelled_scenes

NAME = "threshold-rates"
RATES = (1e-3, 2e-3, 5e-3, 1e-2)
HYSTERESIS = ((1e-3, 1e-2), (1e-3, 3e-2), (2e-3, 2e-2))
METHODS = {"twobranch": ("twobranch", None), "twobranch+local": ("twobranch", {
    "local_background": "on"}), "rx": ("rx", None)}
EIGHT = np.ones((3, 3), bool)


def add_arguments(parser) -> None:
    pass


def threshold(scores: np.ndarray, valid: np.ndarray, rate: float) -> float:
    return choose_threshold(scores[valid].astype(np.float64),
                            ThresholdRule("far", false_alarm_rate=rate))


def counted(mask: np.ndarray, truth: np.ndarray) -> dict:
    labels, objects = truth_objects(truth)
    hit = np.unique(labels[mask & truth])
    parts, count = ndimage.label(mask, EIGHT)
    touching = np.unique(parts[mask & truth])
    return {"objects_hit": float(np.count_nonzero(hit) / objects),
            "false_objects": int(count - np.count_nonzero(touching)),
            "pixels_covered": float((mask & truth).sum() / truth.sum()),
            "background_flagged": float((mask & ~truth).sum() / (~truth).sum())}


def grown(scores: np.ndarray, valid: np.ndarray, seed: float, grow: float) -> np.ndarray:
    """The 8-connected components of the pixels above the ``grow`` threshold that hold a pixel
    above the ``seed`` threshold."""
    seeds = valid & (scores >= threshold(scores, valid, seed))
    parts, _ = ndimage.label(valid & (scores >= threshold(scores, valid, grow)), EIGHT)
    kept = np.unique(parts[seeds])
    return np.isin(parts, kept[kept > 0])


def run(args) -> dict:
    scenes = labelled_scenes(args.real)
    rules = [f"far {r:g}" for r in RATES] + [f"seeds {s:g} grown to {g:g}" for s, g in HYSTERESIS]
    table = {}
    for label, (method, options) in METHODS.items():
        rows = {rule: [] for rule in rules}
        for scene in scenes:
            scores = score_cube(scene.cube, create_detector(method, options, "cpu"), 256)
            valid = np.isfinite(scores)
            for rate in RATES:
                mask = valid & (scores >= threshold(scores, valid, rate))
                rows[f"far {rate:g}"].append(counted(mask, scene.truth))
            for seed, grow in HYSTERESIS:
                rows[f"seeds {seed:g} grown to {grow:g}"].append(
                    counted(grown(scores, valid, seed, grow), scene.truth))
        table[label] = {rule: {"objects_hit": float(np.mean([r["objects_hit"] for r in found])),
                               "false_objects": int(sum(r["false_objects"] for r in found)),
                               "pixels_covered": float(np.mean([r["pixels_covered"]
                                                                for r in found])),
                               "background_flagged": float(np.mean([r["background_flagged"]
                                                                    for r in found]))}
                        for rule, found in rows.items()}
    print("| method | rule | truth objects hit | false objects (11 scenes) | target pixels "
          "covered | background flagged |\n|---|---|---:|---:|---:|---:|")
    for label, by_rule in table.items():
        for rule, r in by_rule.items():
            print(f"| {label} | {rule} | {r['objects_hit']:.3f} | {r['false_objects']} | "
                  f"{r['pixels_covered']:.3f} | {100 * r['background_flagged']:.2f} % |")
    return {"table": table}
