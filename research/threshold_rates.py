"""What `hsad:threshold`'s false-alarm-rate rule finds on the labelled scenes, at several rates,
for the default score and for `--local-background on`.

The rule is the product's (`engine/threshold.py`, `far`: a budget of rate x valid pixels
counted on the scene's own scores, so anomalies share it with the background; its default
spends a quarter of it on seeds and grows them into whole objects within the budget, seed
share 1 flags the highest scores alone). The truth only counts what the mask holds: truth
objects (8-connected) hit, mask objects touching no truth pixel ("false objects"), target
pixels covered, background flagged. Per-scene means, false objects summed.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from ..engine.methods import create_detector
from ..engine.metrics import truth_objects
from ..engine.scoring import score_cube
from ..engine.threshold import DEFAULT_SEED_SHARE, ThresholdRule, flag
from .scenes import labelled_scenes

NAME = "threshold-rates"
RATES = (1e-3, 2e-3, 5e-3, 1e-2)
SEED_SHARES = (DEFAULT_SEED_SHARE, 1.0)
METHODS = {"twobranch": ("twobranch", None), "twobranch+local": ("twobranch", {
    "local_background": "on"}), "rx": ("rx", None)}
EIGHT = np.ones((3, 3), bool)


def add_arguments(parser) -> None:
    pass


def masked(scores: np.ndarray, rate: float, seed_share: float) -> np.ndarray:
    """The mask `hsad:threshold` makes with the far rule at this rate and seed share."""
    valid = np.isfinite(scores)
    return flag(scores, valid, ThresholdRule("far", false_alarm_rate=rate, seed_share=seed_share),
                EIGHT)[1]


def counted(mask: np.ndarray, truth: np.ndarray) -> dict:
    labels, objects = truth_objects(truth)
    hit = np.unique(labels[mask & truth])
    parts, count = ndimage.label(mask, EIGHT)
    touching = np.unique(parts[mask & truth])
    return {"objects_hit": float(np.count_nonzero(hit) / objects),
            "false_objects": int(count - np.count_nonzero(touching)),
            "pixels_covered": float((mask & truth).sum() / truth.sum()),
            "background_flagged": float((mask & ~truth).sum() / (~truth).sum())}


def run(args) -> dict:
    scenes = labelled_scenes(args.real)
    rules = {f"far {r:g}, seed share {s:g}": (r, s) for r in RATES for s in SEED_SHARES}
    table = {}
    for label, (method, options) in METHODS.items():
        rows = {rule: [] for rule in rules}
        for scene in scenes:
            scores = score_cube(scene.cube, create_detector(method, options, "cpu"), 256)
            for rule, (rate, share) in rules.items():
                rows[rule].append(counted(masked(scores, rate, share), scene.truth))
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
