"""Target detection on the labelled scenes: find the other truth objects from one of them.

For each truth object (an 8-connected component of a scene's ground truth) in turn, its mean
spectrum is the target; each target method (hsad target's ace, mf, cem, sam) scores the scene
through the product's pipeline, and global RX, which needs no target, is the reference. The
object itself is left out of the metrics (its pixels are neither positives nor background);
the *other* truth objects are the positives. Per scene: the mean ROC AUC over the objects taken
in turn, and the objects found at a 0.1 % false-alarm rate: a truth object is found when any of
its pixels reaches the score that 0.1 % of the background pixels reach (the background's own
quantile, as the threshold's ``far`` rule sets it). Scenes with a single truth object have no
other object to find and are left out.
"""
from __future__ import annotations

from typing import Dict, List

import numpy as np
from scipy import ndimage

from ..engine.methods import TARGET, create_detector, create_target_detector, method_names
from ..engine.methods.target.spectrum import TargetSpectrum
from ..engine.metrics import auc_roc
from ..engine.scoring import score_cube
from ..engine.threshold import false_alarm_threshold
from .scenes import SHORT, LabelledScene, labelled_scenes

NAME = "target"
RATE = 1e-3  # false-alarm rate at which objects are counted
REFERENCE = "rx"
EIGHT = np.ones((3, 3), bool)


def add_arguments(parser) -> None:
    parser.add_argument("--method", action="append", dest="methods", choices=method_names(TARGET),
                        help="target methods (default: all)")


def run(args) -> dict:
    methods = args.methods or method_names(TARGET)
    table = scene_table(labelled_scenes(args.real), methods)
    print("\n".join(markdown(table, methods + [REFERENCE])))
    return {"rate": RATE, "methods": methods, "reference": REFERENCE, "scenes": table}


def scene_table(scenes: List[LabelledScene], methods: List[str], log=print) -> dict:
    """{scene: {objects, others, per method: {auc, found}}} (scenes with 2+ objects)."""
    out = {}
    for scene in scenes:
        labels, count = ndimage.label(scene.truth, structure=EIGHT)
        if count < 2:
            continue
        reference = score_cube(scene.cube, create_detector(REFERENCE), tile_size=256)
        results: Dict[str, dict] = {m: {"auc": [], "found": 0} for m in methods + [REFERENCE]}
        others = 0
        for number in range(1, count + 1):
            own = labels == number
            target = TargetSpectrum(scene.cube[own].astype(np.float64).mean(axis=0),
                                    f"truth object {number}", pixels=int(own.sum()), scaled=True)
            others += count - 1
            for method in methods + [REFERENCE]:
                scores = reference if method == REFERENCE else score_cube(
                    scene.cube, create_target_detector(method, target), tile_size=256)
                auc, found = measure(scores, labels, number)
                results[method]["auc"].append(auc)
                results[method]["found"] += found
        out[scene.name] = {"objects": count, "others": others,
                           **{m: {"auc": float(np.mean(r["auc"])), "found": r["found"]}
                              for m, r in results.items()}}
        log(f"{scene.name}: " + ", ".join(f"{m} {out[scene.name][m]['auc']:.4f} "
                                          f"{out[scene.name][m]['found']}/{others}"
                                          for m in results))
    return out


def measure(scores: np.ndarray, labels: np.ndarray, own: int, rate: float = RATE) -> tuple:
    """(ROC AUC, other objects found at ``rate``) of a score map, object ``own`` left out."""
    valid = np.isfinite(scores) & (labels != own)
    positives = (labels > 0) & (labels != own)
    background = valid & (labels == 0)
    auc = auc_roc(scores, positives, valid=valid)
    return auc, objects_found(scores, labels, own, background, rate)


def objects_found(scores: np.ndarray, labels: np.ndarray, own: int, background: np.ndarray,
                  rate: float) -> int:
    """Truth objects other than ``own`` with a pixel at or above the score that ``rate`` of the
    background reaches (the research's own counter; engine.metrics may hold one later)."""
    threshold = false_alarm_threshold(scores[background], rate)
    hit = np.isfinite(scores) & (scores >= threshold) & (labels > 0) & (labels != own)
    return len(np.unique(labels[hit]))


def markdown(table: dict, methods: List[str]) -> List[str]:
    """One table: per scene, each method's mean AUC and its objects found."""
    head = "| scene | objects | " + " | ".join(f"{m} AUC" for m in methods) + " | " + \
        " | ".join(f"{m} found" for m in methods) + " |"
    lines = [head, "|---|---:|" + "---:|" * (2 * len(methods))]
    for name, row in table.items():
        lines.append(f"| {SHORT.get(name, name)} | {row['objects']} | "
                     + " | ".join(f"{row[m]['auc']:.4f}" for m in methods) + " | "
                     + " | ".join(f"{row[m]['found']} of {row['others']}" for m in methods)
                     + " |")
    total = sum(r["others"] for r in table.values())
    lines.append("| all | " + str(sum(r["objects"] for r in table.values())) + " | "
                 + " | ".join(f"{np.mean([r[m]['auc'] for r in table.values()]):.4f}"
                              for m in methods) + " | "
                 + " | ".join(f"{sum(r[m]['found'] for r in table.values())} of {total}"
                              for m in methods) + " |")
    return lines
