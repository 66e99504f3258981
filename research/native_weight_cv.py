"""How much plain RX on the scene's own bands to add to the two-branch score, by cross-validation.

The 32-band grid smooths away narrow spectral features; RX on the file's own bands keeps them.
The shipped score is ``RX_fused / dof + w RX_native / dof``. ``w`` is chosen the way the product
is specified: the largest mean AUC among the weights that leave no scene more than 0.005 below
global RX. Leave one scene out: each scene's weight is chosen on the other ten.

``w`` belongs to the recipe, not to one training run: the same rule applied to the networks of
single seeds chooses anything from 0.25 to 4 on all scenes. So the weight is chosen on the AUC
averaged over the recipe's networks at several seeds (``--seeds``, default 5; seed 0 is the
shipped file, the others are trained, or read from the cross-validation cache), and the
held-out AUCs reported are the shipped networks' at the weight each fold chose.

    python -m hsad.models.native_weight_cv [--real DIR] [--json OUT] [--seeds N] [--untrained]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Optional, Sequence

import numpy as np

from .training_data import DEFAULT_BACKGROUND, DEFAULT_REAL, REPO_ROOT

WEIGHTS = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0)
MARGIN = -0.005  # no scene more than 0.005 below RX
SEEDS = 5


def weight_table(model, manifest: dict, scenes: dict,
                 weights: Sequence[float] = WEIGHTS) -> tuple:
    """({weight: {scene: AUC}}, {scene: RX AUC}) of one model's networks on the labelled scenes."""
    from ..engine.metrics import auc_roc
    from .detector import TwoBranchDetector
    from .evaluation import rx_original, scene_feature_fit
    table: dict = {w: {} for w in weights}
    rx: dict = {}
    for name, (cube, truth) in scenes.items():
        detector = TwoBranchDetector(model, manifest, "cpu", native_weight=1.0)
        feats = scene_feature_fit(detector, cube)
        detector.finish_fit()
        fused, native = detector.score_parts(feats)
        for w in weights:
            table[w][name] = auc_roc(fused + w * native, truth)
        rx[name] = auc_roc(rx_original(cube), truth)
    return table, rx


def seed_tables(real_dir: str, background: str, seeds: int, work: str,
                model_dir: Optional[str] = None, untrained: bool = False, log=print) -> tuple:
    """([table per seed], rx): seed 0 is the shipped (or ``model_dir``) file; seeds 1.. are the
    shipped recipe trained at those seeds (stage 1 cached under ``work``). ``untrained``: the
    same networks left untrained at every seed (the control), seed 0 included."""
    from dataclasses import replace
    from .cross_validation import build_recipe_model, candidates
    from .evaluation import labelled_scenes
    from .recipe import RECIPE
    from .weights_io import load_weights
    scenes = labelled_scenes(real_dir)
    model, manifest = load_weights(model_dir)
    recipe = candidates()["untrained-context"][0] if untrained else RECIPE
    tables, rx = [], {}
    for seed in range(seeds):
        if seed > 0 or untrained:
            log(f"seed {seed}: the {'untrained' if untrained else 'shipped'} recipe's networks "
                f"(trained unless cached in {work})")
            model, _, _ = build_recipe_model(replace(recipe, seed=seed), background, real_dir, (),
                                             1, work, lambda message: None)
        table, rx = weight_table(model, manifest, scenes)
        tables.append(table)
    return tables, rx


def average(tables: list) -> dict:
    return {w: {s: float(np.mean([t[w][s] for t in tables])) for s in tables[0][w]}
            for w in tables[0]}


def choose(table: dict, rx: dict, scenes: Sequence[str]) -> float:
    """The weight with the best mean AUC over ``scenes`` among those keeping every margin."""
    def margin(w):
        return min(table[w][s] - rx[s] for s in scenes)

    feasible = [w for w in table if margin(w) >= MARGIN]
    if not feasible:
        return max(table, key=margin)
    return max(feasible, key=lambda w: np.mean([table[w][s] for s in scenes]))


def cross_validate(table: dict, rx: dict, choose_on: Optional[dict] = None) -> dict:
    """{scene: (weight chosen on the other scenes, held-out AUC in ``table``)} and the
    all-scene choice; the weights are chosen on ``choose_on`` (default: ``table`` itself)."""
    choose_on = table if choose_on is None else choose_on
    scenes = list(rx)
    held = {s: choose(choose_on, rx, [t for t in scenes if t != s]) for s in scenes}
    return {"held_out": {s: {"weight": w, "auc": table[w][s], "rx": rx[s]} for s, w in held.items()},
            "chosen_on_all": choose(choose_on, rx, scenes),
            "table": {str(w): v for w, v in table.items()}, "rx": rx}


def report(tables: list, rx: dict) -> dict:
    """The shipped protocol (weights chosen on the seed average) and, for comparison, the same
    rule on the shipped networks alone."""
    averaged = average(tables)
    result = cross_validate(tables[0], rx, choose_on=averaged)
    result["protocol"] = (f"weights chosen on the AUC averaged over the recipe's networks at "
                          f"{len(tables)} seeds; held-out AUC of the shipped networks (seed 0)")
    result["seed_average"] = {str(w): v for w, v in averaged.items()}
    result["seed_tables"] = [{str(w): v for w, v in t.items()} for t in tables]
    result["single_seed"] = cross_validate(tables[0], rx)
    return result


def _print_table(title: str, table: dict, rx: dict, held: dict) -> None:
    scenes = list(rx)
    print(title)
    print("weight   " + " ".join(s[:10].rjust(10) for s in scenes) + "      mean")
    for w, row in table.items():
        print(f"{float(w):6.2f}   " + " ".join(f"{row[s]:10.4f}" for s in scenes) +
              f"  {np.mean([row[s] for s in scenes]):8.4f}")
    print("held-out " + " ".join(f"{held[s]['auc']:10.4f}" for s in scenes) +
          f"  {np.mean([held[s]['auc'] for s in scenes]):8.4f}")
    print("weight   " + " ".join(f"{held[s]['weight']:10g}" for s in scenes))


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real", default=DEFAULT_REAL)
    parser.add_argument("--background", default=DEFAULT_BACKGROUND)
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--weights", help="a weights folder other than the shipped one (seed 0)")
    parser.add_argument("--seeds", type=int, default=SEEDS,
                        help=f"seeds whose networks the weight is chosen on [{SEEDS}]")
    parser.add_argument("--work", default=os.path.join(REPO_ROOT, "build", "cv"),
                        help="stage-1 cache shared with cross_validation [%(default)s]")
    parser.add_argument("--untrained", action="store_true",
                        help="the same tables for the networks left untrained (the control)")
    args = parser.parse_args(argv)
    if not os.path.isfile(os.path.join(args.real, "manifest.json")):
        print(f"native_weight_cv: {args.real} has no labelled scenes", file=sys.stderr)
        return 2
    tables, rx = seed_tables(args.real, args.background, max(1, args.seeds), args.work,
                             args.weights, args.untrained)
    result = report(tables, rx)
    single = result["single_seed"]
    which = "untrained networks" if args.untrained else "shipped networks"
    _print_table(f"{which} (seed 0), the weight chosen on them alone:",
                 single["table"], rx, single["held_out"])
    print(f"chosen on all scenes: {single['chosen_on_all']:g}\n")
    _print_table(f"average over {len(tables)} seeds, the weight chosen on it "
                 f"(held-out row: the {which} of seed 0 at that weight):",
                 result["seed_average"], rx, result["held_out"])
    print(f"chosen on all scenes: {result['chosen_on_all']:g}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(result, handle, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
