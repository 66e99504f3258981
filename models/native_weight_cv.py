"""How much plain RX on the scene's own bands to add to the two-branch score, by cross-validation.

The 32-band grid smooths away narrow spectral features; RX on the file's own bands keeps them.
The shipped score is ``RX_fused / dof + w RX_native / dof``. ``w`` is chosen the way the product
is specified: the largest mean AUC among the weights that leave no scene more than 0.005 below
global RX. Leave one scene out: each scene's weight is chosen on the other ten.

    python -m hsad.models.native_weight_cv [--real DIR] [--json OUT] [--weights DIR]
"""
from __future__ import annotations

import argparse
import json
import os
from typing import Optional, Sequence

import numpy as np

WEIGHTS = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0)
MARGIN = -0.005  # no scene more than 0.005 below RX


def weight_table(real_dir: str, weights: Sequence[float] = WEIGHTS,
                 model_dir: Optional[str] = None) -> tuple:
    """({weight: {scene: AUC}}, {scene: RX AUC}) for the shipped model (or the one in
    ``model_dir``) on the labelled scenes."""
    from ..engine.metrics import auc_roc
    from .detector import TwoBranchDetector
    from .evaluation import labelled_scenes, rx_original, scene_feature_fit
    from .weights_io import load_weights
    model, manifest = load_weights(model_dir)
    table: dict = {w: {} for w in weights}
    rx: dict = {}
    for name, (cube, truth) in labelled_scenes(real_dir).items():
        detector = TwoBranchDetector(model, manifest, "cpu", native_weight=1.0)
        feats = scene_feature_fit(detector, cube)
        detector.finish_fit()
        fused, native = detector.score_parts(feats)
        for w in weights:
            table[w][name] = auc_roc(fused + w * native, truth)
        rx[name] = auc_roc(rx_original(cube), truth)
    return table, rx


def choose(table: dict, rx: dict, scenes: Sequence[str]) -> float:
    """The weight with the best mean AUC over ``scenes`` among those keeping every margin."""
    def margin(w):
        return min(table[w][s] - rx[s] for s in scenes)

    feasible = [w for w in table if margin(w) >= MARGIN]
    if not feasible:
        return max(table, key=margin)
    return max(feasible, key=lambda w: np.mean([table[w][s] for s in scenes]))


def cross_validate(table: dict, rx: dict) -> dict:
    """{scene: (weight chosen on the other scenes, held-out AUC)} and the all-scene choice."""
    scenes = list(rx)
    held = {s: choose(table, rx, [t for t in scenes if t != s]) for s in scenes}
    return {"held_out": {s: {"weight": w, "auc": table[w][s], "rx": rx[s]} for s, w in held.items()},
            "chosen_on_all": choose(table, rx, scenes),
            "table": {str(w): v for w, v in table.items()}, "rx": rx}


def main(argv: Optional[Sequence[str]] = None) -> int:
    here = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real", default=os.path.join(here, "..", "shared", "data", "real"))
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--weights", help="a weights folder other than the shipped one")
    args = parser.parse_args(argv)
    if not os.path.isfile(os.path.join(args.real, "manifest.json")):
        print(f"skipped: {args.real} has no labelled scenes")
        return 2
    result = cross_validate(*weight_table(args.real, model_dir=args.weights))
    scenes = list(result["rx"])
    print("weight  " + " ".join(s[:10].rjust(10) for s in scenes) + "      mean")
    for w, row in result["table"].items():
        print(f"{float(w):6.2f}  " + " ".join(f"{row[s]:10.4f}" for s in scenes) +
              f"  {np.mean([row[s] for s in scenes]):8.4f}")
    held = result["held_out"]
    print("held-out " + " ".join(f"{held[s]['auc']:10.4f}" for s in scenes) +
          f"  {np.mean([held[s]['auc'] for s in scenes]):8.4f}")
    print("weight   " + " ".join(f"{held[s]['weight']:10g}" for s in scenes))
    print(f"chosen on all scenes: {result['chosen_on_all']:g}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(result, handle, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
