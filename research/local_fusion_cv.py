"""``python -m hsad.models.local_fusion_cv``: local RX on the enhanced features, cross-validated.

FERD's supplementary experiments score the enhanced spectra with local (dual-window) RX instead
of global RX. This measures that for the shipped networks: per labelled scene, global RX on the
shipped fusion against local RX (the engine's ``lrx`` with its defaults: 5/21 windows, loading
1) on the same fused vectors, and on the spectral branch's ``X + F_spe`` alone (FERD has no
spatial branch). Each scene is then scored with the option that is best on the other ten
(leave one scene out), as every other choice in docs/model.md. Networks alone (no native term).
"""
from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

import numpy as np

from .training_data import DEFAULT_REAL

OPTIONS = ("global additive (shipped)", "local additive", "local spectral")


def local_fusion_table(scenes: dict, model_dir: Optional[str] = None) -> dict:
    """{option: {scene: ROC AUC}} for the shipped (or ``model_dir``) networks, plus ``rx``."""
    from ..engine.detectors.local_rx import DEFAULT_INNER, DEFAULT_OUTER, local_rx
    from ..engine.metrics import auc_roc
    from .detector import TwoBranchDetector
    from .evaluation import rx_original, scene_feature_fit
    from .weights_io import load_weights
    model, manifest = load_weights(model_dir)
    table: dict = {name: {} for name in OPTIONS + ("rx",)}
    for name, (cube, truth) in scenes.items():
        detector = TwoBranchDetector(model, manifest, "cpu", native_weight=0.0)
        feats = scene_feature_fit(detector, cube)
        valid = np.ones(cube.shape[:2], bool)
        additive = detector.fusion_scorer("additive")
        table[OPTIONS[0]][name] = auc_roc(additive.score(feats), truth)
        for option, fusion in ((OPTIONS[1], additive),
                               (OPTIONS[2], detector.fusion_scorer("spectral"))):
            scores = local_rx(fusion.fused(feats), valid, DEFAULT_INNER, DEFAULT_OUTER)
            table[option][name] = auc_roc(scores, truth)
        table["rx"][name] = auc_roc(rx_original(cube), truth)
    return table


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real", default=DEFAULT_REAL)
    parser.add_argument("--weights", help="a weights folder other than the shipped one")
    args = parser.parse_args(argv)
    from .cv_report import loso_markdown
    from .evaluation import labelled_scenes_for
    scenes = labelled_scenes_for("local_fusion_cv", args.real)
    if scenes is None:
        return 2
    print(loso_markdown(local_fusion_table(scenes, args.weights)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
