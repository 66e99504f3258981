"""hsad's model beside the paper authors' released network, scene by scene.

Columns: global RX on the scene's own bands; the authors' FEN with global RX and with their
SLRX (``ferd`` method, HAD100 weights: the 200-band network for scenes of 200 bands or more,
else the 100-band one, else the 50-band one, on the scene's first bands, as their code does);
hsad's shipped model, and its networks scored as version 1 did (hsad 0.1: no loading, no
filter, native weight 2) and as version 2 did (hsad 0.2: the additive filter); and any other
weights folders given with ``--hsad LABEL=FOLDER``. All through the registry's detectors and
the product's pipeline. The FEN columns are left out when
the authors' weights folder is absent (hsad never ships or downloads them).
"""
from __future__ import annotations

import os
from typing import Optional

from ..engine.methods.twobranch.detector import TwoBranchDetector
from ..engine.methods.twobranch.training.data import REPO_ROOT
from ..engine.methods.twobranch.training.recipe import RECIPE_V1, RECIPE_V2
from .loso import markdown, mean
from .recipes import WORK, weights_folder
from .scenes import auc, labelled_scenes, method_aucs

NAME = "compare"
FERD_DEFAULT = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "models",
                                             "ferd-released"))
FERD_SETS = ((200, "had100-200bands"), (100, "had100-100bands"), (50, "had100-50bands"))


def ferd_weights_for(root: str, bands: int) -> Optional[str]:
    """The HAD100 FEN a scene of ``bands`` bands takes (the largest that fits), if present."""
    for needed, name in FERD_SETS:
        if bands >= needed and os.path.isdir(os.path.join(root, name)):
            return os.path.join(root, name)
    return None


def add_arguments(parser) -> None:
    parser.add_argument("--ferd", default=FERD_DEFAULT,
                        help="folder holding the authors' released FEN folders "
                        "(had100-200bands, ...) [%(default)s]")
    parser.add_argument("--hsad", action="append", default=[], metavar="LABEL=FOLDER",
                        help="also score these hsad weights folders (e.g. v1=build/v1)")
    parser.add_argument("--work", default=WORK,
                        help="where re-scored weights folders are kept [%(default)s]")


def run(args) -> dict:
    scenes = labelled_scenes(args.real)
    names = [s.name for s in scenes]
    rows = {"RX (own bands)": method_aucs(scenes, "rx")}
    if os.path.isdir(args.ferd):
        for label, background in (("FEN+GRX (HAD100)", "global"), ("FEN+SLRX (HAD100)", "local")):
            rows[label] = {}
            for scene in scenes:
                folder = ferd_weights_for(args.ferd, scene.cube.shape[2])
                if folder is not None:
                    rows[label][scene.name] = auc(scene, _ferd(folder, background))
    for spec in args.hsad:
        label, _, folder = spec.partition("=")
        rows[f"hsad {label}"] = {s.name: auc(s, TwoBranchDetector(device="cpu", weights=folder))
                                 for s in scenes}
    for label, recipe in (("hsad v1 score (0.1)", RECIPE_V1), ("hsad v2 score (0.2)", RECIPE_V2)):
        folder = weights_folder(recipe, work=args.work)
        rows[label] = {s.name: auc(s, TwoBranchDetector(device="cpu", weights=folder))
                       for s in scenes}
    rows["hsad (shipped)"] = {s.name: auc(s, TwoBranchDetector(device="cpu")) for s in scenes}
    print(markdown(rows, names))
    airports = [n for n in names if n.startswith("abu-airport")]
    summary = {label: {"mean": mean(row.values()),
                       **({"airports": mean(row[n] for n in airports if n in row)}
                          if any(n in row for n in airports) else {})}
               for label, row in rows.items() if row}
    return {"table": rows, "summary": summary}


def _ferd(folder: str, background: str):
    from ..engine.methods import create_detector
    return create_detector("ferd", {"fen_weights": folder, "ferd_rx": background}, "cpu")
