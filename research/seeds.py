"""Does training add anything? The recipe against its untrained control, seed by seed.

Both at the shipped score (the native weight of the recipe), through the product's detector.
Training "measurably adds" when the trained recipe's seed-average AUC is ahead of the
control's by more than two seed standard deviations (the larger of the two).
"""
from __future__ import annotations

import numpy as np

from ..engine.pretrained.detector import TwoBranchDetector
from ..engine.pretrained.training.recipe import RECIPE
from .loso import markdown, mean
from .recipes import seeds_of
from .scenes import auc, labelled_scenes

NAME = "seeds"


def add_arguments(parser) -> None:
    parser.add_argument("--seeds", type=int, default=5, help="seeds of each [5]")


def run(args) -> dict:
    scenes = labelled_scenes(args.real)
    names = [s.name for s in scenes]
    out = {}
    for label, control in (("trained", False), ("untrained", True)):
        folders = seeds_of(RECIPE, args.seeds, control=control)
        out[label] = [_aucs(scenes, folder) for folder in folders]
    means = {k: [mean(t.values()) for t in v] for k, v in out.items()}
    spread = {k: float(np.std(v, ddof=1)) if len(v) > 1 else 0.0 for k, v in means.items()}
    gain = mean(means["trained"]) - mean(means["untrained"])
    result = {"per_seed": out, "seed_means": means, "seed_std": spread,
              "mean": {k: mean(v) for k, v in means.items()}, "gain": gain,
              "measurably_adds": gain > 2 * max(spread.values()),
              "native_rx_weight": RECIPE.native_rx_weight}
    rows = {f"{k} seed {i}": t for k, v in out.items() for i, t in enumerate(v)}
    print(markdown(rows, names))
    print(f"trained {result['mean']['trained']:.4f} +- {spread['trained']:.4f}, untrained "
          f"{result['mean']['untrained']:.4f} +- {spread['untrained']:.4f}: training adds "
          f"{gain:+.4f} ({'more' if result['measurably_adds'] else 'not more'} than two seed "
          "standard deviations)")
    return result


def _aucs(scenes, folder: str) -> dict:
    return {s.name: auc(s, TwoBranchDetector(device="cpu", weights=folder)) for s in scenes}
