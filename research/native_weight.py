"""How much plain RX on the scene's own bands to add to the two-branch score.

The shipped score is ``RX_fused / dof + w RX_native / dof``. ``w`` belongs to the recipe, not
to one training run, so it is chosen on the AUC averaged over the recipe's networks at several
seeds, by the product's rule: the best mean AUC among the weights that leave no scene more than
0.005 below global RX, leave one scene out. The held-out AUC reported is the shipped networks'
(seed 0) at the weight each fold chose. Scores come from the product's detector; the score is
linear in ``w``, so two runs per scene (w = 0 and w = 1) give every weight exactly.
"""
from __future__ import annotations

from typing import Dict, List

import numpy as np

from ..engine.metrics import auc_roc
from ..engine.pretrained.detector import TwoBranchDetector
from ..engine.pretrained.training.recipe import RECIPE
from ..engine.scoring import score_cube
from .loso import average, choose_with_margin, held_out_with_margin, markdown, mean
from .recipes import seeds_of
from .scenes import LabelledScene, labelled_scenes, method_aucs

NAME = "native-weight"
WEIGHTS = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0)


def weight_table(scenes: List[LabelledScene], folder: str,
                 weights=WEIGHTS) -> Dict[str, Dict[str, float]]:
    """{weight: {scene: AUC}} of one weights folder's networks."""
    table: Dict[str, Dict[str, float]] = {str(w): {} for w in weights}
    for scene in scenes:
        parts = [score_cube(scene.cube, TwoBranchDetector(device="cpu", weights=folder,
                                                          native_weight=w), tile_size=256)
                 .astype(np.float64) for w in (0.0, 1.0)]
        for w in weights:
            table[str(w)][scene.name] = auc_roc(parts[0] + w * (parts[1] - parts[0]), scene.truth)
    return table


def add_arguments(parser) -> None:
    parser.add_argument("--seeds", type=int, default=5,
                        help="seeds of the recipe whose networks the weight is chosen on [5]")
    parser.add_argument("--untrained", action="store_true",
                        help="the same for the networks left untrained (the control)")


def run(args) -> dict:
    scenes = labelled_scenes(args.real)
    rx = method_aucs(scenes, "rx")
    folders = seeds_of(RECIPE, args.seeds, control=args.untrained)
    tables = [weight_table(scenes, folder) for folder in folders]
    averaged = average(tables)
    held = held_out_with_margin(tables[0], rx, choose_on=averaged)
    names = [s.name for s in scenes]
    result = {
        "protocol": (f"w chosen leave one scene out on the AUC averaged over {len(tables)} "
                     "seeds (best mean among the weights keeping every scene within 0.005 of "
                     "RX); held-out AUC of seed 0's networks at the chosen weight"),
        "networks": "untrained control" if args.untrained else "trained (shipped recipe)",
        "chosen_on_all": float(choose_with_margin(averaged, rx, names)),
        "held_out": held, "held_out_mean": mean(h["auc"] for h in held.values()),
        "rx": rx, "seed_average": averaged, "seed_tables": tables,
    }
    rows = {f"w = {w} (seed average)": averaged[w] for w in averaged}
    rows["held out (seed 0)"] = {s: held[s]["auc"] for s in names}
    rows["RX"] = rx
    print(markdown(rows, names))
    print(f"chosen on all scenes: w = {result['chosen_on_all']:g}; held-out mean "
          f"{result['held_out_mean']:.4f}; weights per fold: "
          + ", ".join(f"{s} {held[s]['candidate']}" for s in names))
    return result
