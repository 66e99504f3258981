"""``python -m hsad.models.residual_cv``: RX on the distillation residual, cross-validated.

In reverse distillation the student reconstructs the frozen teacher's features from a compact
code; where it fails, the pixel did not look like the background it learned. An
alternative to RX on ``[X, F_spe, F_spa]`` is therefore RX on that residual. The shipped weights keep only
the pruned inference branch, so this rebuilds the shipped recipe's full stage-1 network (same
seed and data; checked to give exactly the shipped spectral branch) and scores each labelled
scene with: the shipped fusion (global additive), RX on the residual ``P(student_a) -
P(teacher_a)`` in grid bands, and RX on ``[X, residual]``. Each scene is scored with the option
best on the other ten (leave one scene out). Training takes about two minutes.
"""
from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

import numpy as np

from .training_data import DEFAULT_BACKGROUND, DEFAULT_REAL

OPTIONS = ("global additive (shipped)", "RX on the residual", "RX on [X, residual]")


def shipped_distiller(background: str):
    """The shipped recipe's full stage-1 network, exactly as ``make train`` trains it."""
    import torch
    from .patch_sampler import PatchSampler
    from .recipe import RECIPE
    from .trainer import seed_everything, train_spectral
    from .training_data import load_background_cubes
    from .weights_io import load_weights
    torch.set_num_threads(1)
    seed_everything(RECIPE.seed)
    config = RECIPE.model_config()
    sampler = PatchSampler(load_background_cubes(background), config.grid, RECIPE.patch,
                           config.scaling, RECIPE.sensor_strength, RECIPE.implant_probability,
                           seed=RECIPE.seed)
    torch.manual_seed(RECIPE.seed)
    distiller = train_spectral(sampler, config, RECIPE.stage1, lambda message: None).eval()
    shipped, _ = load_weights()
    pruned = distiller.pruned().state_dict()
    if not all(torch.equal(v, pruned[k]) for k, v in shipped.spectral.state_dict().items()):
        raise RuntimeError("the rebuilt stage 1 differs from the shipped spectral branch")
    return distiller


def residual(distiller, grid_cube: np.ndarray) -> np.ndarray:
    """(rows, cols, grid bands) ``P(student_a) - P(teacher_a)`` of a scaled grid cube."""
    import torch
    with torch.inference_mode():
        x = torch.from_numpy(np.ascontiguousarray(grid_cube.transpose(2, 0, 1)))[None].float()
        out = distiller(x)
        p = distiller.projection
        r = p(out["student"][0]) - p(out["teacher"][0])
    return r[0].permute(1, 2, 0).double().numpy()


def residual_table(scenes: dict, background: str) -> dict:
    """{option: {scene: ROC AUC}} plus ``rx``."""
    from ..engine.metrics import auc_roc
    from .detector import TwoBranchDetector
    from .evaluation import rx_original, scene_feature_fit
    from .weights_io import load_weights
    distiller = shipped_distiller(background)
    model, manifest = load_weights()
    table: dict = {name: {} for name in OPTIONS + ("rx",)}
    for name, (cube, truth) in scenes.items():
        detector = TwoBranchDetector(model, manifest, "cpu", native_weight=0.0)
        feats = scene_feature_fit(detector, cube)
        table[OPTIONS[0]][name] = auc_roc(detector.fusion_scorer("additive").score(feats), truth)
        x = detector.grid_cube(cube)
        r = residual(distiller, x)
        table[OPTIONS[1]][name] = auc_roc(rx_original(r), truth)
        table[OPTIONS[2]][name] = auc_roc(rx_original(np.concatenate([x, r], axis=2)), truth)
        table["rx"][name] = auc_roc(rx_original(cube), truth)
    return table


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real", default=DEFAULT_REAL)
    parser.add_argument("--background", default=DEFAULT_BACKGROUND)
    args = parser.parse_args(argv)
    from .cv_report import loso_markdown
    from .evaluation import labelled_scenes_for
    scenes = labelled_scenes_for("residual_cv", args.real)
    if scenes is None:
        return 2
    print(loso_markdown(residual_table(scenes, args.background)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
