"""How the shipped networks' features become a score: the options of model versions 2 and 3.

    score = F_b( RX_delta(X + F_spe + F_spa) / dof  +  w * RX(native bands) / dof )

``delta`` loads the fused covariance by delta x its mean eigenvalue, ``w`` weighs plain RX on the
scene's own bands, ``F_b`` is the 3 x 3 score filter of strength b (engine/methods/twobranch/
score_filter.py): version 2's additive form, s + b mean3x3(s), over b in 0-1 (112 options,
docs/preregistration-v2.md), and version 3's lift-only form, max(s, (s + b mean3x3(s)) / (1 + b)),
over b in 0-4 (168 options, its addendum 6). Each family is chosen by the pre-registered rule: on
the AUC table averaged over the recipe's networks at three seeds, leave one scene out, the best
mean among the options that keep every other scene within 0.005 of global RX; the shipped option
is the same rule on all 11 scenes. The trained networks and their untrained control are each
scored under their own choices.

The parts come from the product's detector (one run per loading, one for the native term); the
neighbourhood mean is linear, so every option is exact algebra on those runs
(tests/research/test_score_options.py checks one of each form against a full run).
"""
from __future__ import annotations

from typing import Dict, List

import numpy as np

from ..engine.metrics import auc_roc
from ..engine.methods.twobranch.detector import TwoBranchDetector
from ..engine.methods.twobranch.score_filter import blend, neighbourhood_mean
from ..engine.methods.twobranch.training.recipe import RECIPE
from ..engine.scoring import score_cube
from .loso import average, choose_with_margin, markdown, mean
from .recipes import seeds_of
from .scenes import LabelledScene, labelled_scenes, method_aucs

NAME = "score-options"
LOADINGS = (0.0, 0.01, 0.03, 0.1)
WEIGHTS = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0)
FILTERS = {"additive": (0.0, 0.25, 0.5, 1.0), "lift": (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)}
SHIPPED_FORM = RECIPE.score_filter_form  # the summary reports the shipped form's protocol


def option_name(delta: float, w: float, beta: float) -> str:
    return f"d{delta:g} w{w:g} b{beta:g}"


def detector(folder: str, delta: float, w: float) -> TwoBranchDetector:
    """The product's detector on a weights folder, with a loading and a native weight, no
    filter (the filter is added to the parts afterwards)."""
    return TwoBranchDetector(device="cpu", weights=folder, native_weight=w, fused_loading=delta,
                             score_filter=0.0)


def parts(scene: LabelledScene, folder: str) -> dict:
    """{delta: fused score per dof} and the native term per dof, of one scene."""
    cube = scene.cube
    fused = {d: score_cube(cube, detector(folder, d, 0.0), 256).astype(np.float64)
             for d in LOADINGS}
    native = score_cube(cube, detector(folder, 0.0, 1.0), 256).astype(np.float64) - fused[0.0]
    return {"fused": fused, "native": native, "valid": np.isfinite(native)}


def option_tables(scenes: List[LabelledScene], folder: str) -> Dict[str, Dict[str, dict]]:
    """{form: {option: {scene: AUC}}} of one weights folder's networks."""
    tables: Dict[str, Dict[str, dict]] = {form: {} for form in FILTERS}
    for scene in scenes:
        found = parts(scene, folder)
        native, valid = found["native"], found["valid"]
        native_near = neighbourhood_mean(np.nan_to_num(native), valid)
        for delta, fused in found["fused"].items():
            fused_near = neighbourhood_mean(np.nan_to_num(fused), valid)
            for w in WEIGHTS:
                score, near = fused + w * native, fused_near + w * native_near
                for form, strengths in FILTERS.items():
                    for beta in strengths:
                        filtered = blend(score, near, beta, form) if beta else score
                        tables[form].setdefault(option_name(delta, w, beta), {})[scene.name] = \
                            auc_roc(np.where(valid, filtered, np.nan), scene.truth)
    return tables


def held_out(tables: list, rx: dict) -> dict:
    """Options chosen leave one scene out on the seed average; each seed's AUC at them."""
    averaged = average(tables)
    names = list(rx)
    chosen = {s: choose_with_margin(averaged, rx, [t for t in names if t != s]) for s in names}
    per_seed = [{s: table[chosen[s]][s] for s in names} for table in tables]
    return {"chosen": chosen, "per_seed": per_seed,
            "seed_means": [mean(row.values()) for row in per_seed],
            "on_all": choose_with_margin(averaged, rx, names), "averaged": averaged}


def add_arguments(parser) -> None:
    parser.add_argument("--seeds", type=int, default=3,
                        help="seeds of the recipe (and of its control) the choice is made on [3]")


def run(args) -> dict:
    scenes = labelled_scenes(args.real)
    names = [s.name for s in scenes]
    rx = method_aucs(scenes, "rx")
    result = {"rx": rx}
    tables = {label: [option_tables(scenes, folder)
                      for folder in seeds_of(RECIPE, args.seeds, control=control)]
              for label, control in (("trained", False), ("untrained", True))}
    for form in FILTERS:
        result[form] = family(form, {k: [t[form] for t in v] for k, v in tables.items()}, rx, names)
    shipped = result[SHIPPED_FORM]
    result["summary"] = {
        "protocol": "options chosen leaving each scene out on the seed-averaged AUC tables, "
                    "best mean among those keeping the other scenes within 0.005 of RX",
        "filter_form": SHIPPED_FORM, "shipped_option": shipped["trained"]["on_all"], "rx": rx,
        "held_out_seed0": shipped["trained"]["per_seed"][0],
        "held_out_mean_seed0": mean(shipped["trained"]["per_seed"][0].values()),
        "held_out_mean_per_seed": shipped["trained"]["seed_means"],
        "seed_std": shipped["trained"]["seed_std"],
        "untrained_mean_per_seed": shipped["untrained"]["seed_means"],
        "training_adds": shipped["training_adds"],
        "additive_form": {"shipped_option": result["additive"]["trained"]["on_all"],
                          "held_out_mean_seed0": mean(
                              result["additive"]["trained"]["per_seed"][0].values()),
                          "held_out_mean_per_seed": result["additive"]["trained"]["seed_means"]}}
    return result


def family(form: str, tables: dict, rx: dict, names: list) -> dict:
    """The protocol on one filter form's options: held-out rows of the trained networks and of
    their control, the spread over seeds, and what training adds; printed as a table."""
    out = {}
    for label, seed_tables in tables.items():
        found = held_out(seed_tables, rx)
        spread = float(np.std(found["seed_means"], ddof=1)) if len(seed_tables) > 1 else 0.0
        out[label] = {**found, "seed_std": spread, "tables": seed_tables}
    trained, control = out["trained"], out["untrained"]
    gain = mean(trained["seed_means"]) - mean(control["seed_means"])
    out["training_adds"] = {"gain": gain, "two_std": 2 * max(trained["seed_std"],
                                                             control["seed_std"])}
    shipped = trained["on_all"]
    print(f"\n{form} filter ({len(trained['tables'][0])} options)")
    rows = {"held out, seed 0 (trained)": trained["per_seed"][0],
            "held out, seed 0 (untrained control)": control["per_seed"][0],
            f"all scenes at {shipped} (seed 0)": trained["tables"][0][shipped], "RX": rx}
    print(markdown(rows, names))
    print("options per fold: " + ", ".join(f"{s} {trained['chosen'][s]}" for s in names))
    for label in ("trained", "untrained"):
        r = out[label]
        print(f"{label}: held-out mean {mean(r['seed_means']):.4f} +- {r['seed_std']:.4f} over "
              f"{len(r['seed_means'])} seeds (per seed: "
              + ", ".join(f"{m:.4f}" for m in r["seed_means"]) + f"); chosen on all: {r['on_all']}")
    print(f"training adds {gain:+.4f} (two seed standard deviations: "
          f"{out['training_adds']['two_std']:.4f})")
    for r in (trained, control):  # the full tables stay in the JSON, not on the terminal
        r["averaged"] = {k: v for k, v in r["averaged"].items() if k == r["on_all"]}
    return out
