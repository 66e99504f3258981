"""What each part of the model adds: the networks alone under every fusion, against RX.

``grid`` is RX on the 32-band grid (no networks), ``spectral`` / ``spatial`` one branch, and
``additive`` the paper's score (the shipped one, here without the native RX term). Every
fusion is scored with the shipped score options (covariance loading, 3 x 3 score filter).
"""
from __future__ import annotations

from ..engine.methods.twobranch.detector import TwoBranchDetector
from ..engine.methods.twobranch.fusion import FUSIONS
from .loso import leave_one_scene_out, markdown, mean
from .scenes import auc, labelled_scenes, method_aucs

NAME = "fusions"


def add_arguments(parser) -> None:
    parser.add_argument("--weights", help="a weights folder other than the shipped one")


def run(args) -> dict:
    scenes = labelled_scenes(args.real)
    table = {f: {s.name: auc(s, TwoBranchDetector(device="cpu", weights=args.weights, fusion=f,
                                                  native_weight=0.0)) for s in scenes}
             for f in FUSIONS}
    table["rx"] = method_aucs(scenes, "rx")
    chosen = leave_one_scene_out({f: table[f] for f in FUSIONS})
    names = [s.name for s in scenes]
    rows = dict(table)
    rows["fusion chosen on the other scenes"] = {s: chosen[s][1] for s in names}
    print(markdown(rows, names))
    print("chosen per fold: " + ", ".join(f"{s} {chosen[s][0]}" for s in names))
    return {"table": table, "held_out": {s: {"fusion": c, "auc": a} for s, (c, a) in chosen.items()},
            "held_out_mean": mean(a for _, a in chosen.values())}
