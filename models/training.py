"""``hsad train``: rebuild the shipped two-branch weights from the data folders.

Reproducible: a fixed seed, CPU, a fixed number of steps; the weights manifest records the
sha256 of every training file, the configuration, the command line and the cross-validated
metrics (read from ``models/cross_validation.json``, written by
``python -m hsad.models.cross_validation``).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
from typing import Optional

from .training_data import DEFAULT_BACKGROUND, DEFAULT_REAL, REPO_ROOT

CV_METRICS = os.path.join(REPO_ROOT, "models", "cross_validation.json")
NATIVE_WEIGHT_CV = os.path.join(REPO_ROOT, "models", "native_weight_cv.json")  # python -m hsad.models.native_weight_cv

EXAMPLES = """examples:
  python -m hsad.models.training                      # the shipped weights, into models/weights
  python -m hsad.models.training --out /tmp/w --seed 1
  python -m hsad.models.training --no-real --stage1-steps 50 --stage2-steps 50 --out /tmp/quick
"""


def build_parser() -> argparse.ArgumentParser:
    from .recipe import RECIPE
    p = argparse.ArgumentParser(
        prog="hsad train", description="Train the two-branch detector (CPU, fixed seed) and "
        "write models/weights (state_dict + manifest.json).", epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=os.path.join(REPO_ROOT, "models", "weights"),
                   help="output folder for twobranch.pt, manifest.json and training.log")
    p.add_argument("--background", default=DEFAULT_BACKGROUND,
                   help="background cubes folder (with manifest.json) [%(default)s]")
    p.add_argument("--real", default=DEFAULT_REAL,
                   help="anomaly scenes folder; only their cubes are used, never the ground truth")
    p.add_argument("--no-real", action="store_true", help="train on the background folder only")
    p.add_argument("--exclude", action="append", default=[], metavar="SCENE",
                   help="leave a real scene (file stem) out of training (cross-validation folds)")
    p.add_argument("--seed", type=int, default=RECIPE.seed)
    p.add_argument("--stage1-steps", type=int, default=RECIPE.stage1.steps)
    p.add_argument("--stage2-steps", type=int, default=RECIPE.stage2.steps)
    p.add_argument("--threads", type=int, default=1,
                   help="CPU threads for torch (1: the cross-validated weights are reproduced bit for bit)")
    p.add_argument("--metrics", default=CV_METRICS,
                   help="cross-validation results to record in the manifest (if the file exists)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def main(argv: Optional[list] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    from .recipe import RECIPE
    use_real = RECIPE.use_real and not args.no_real
    if not RECIPE.use_real:
        print("hsad train: the recipe trains on the background folder only (cross-validation: "
              "adding the labelled scenes' cubes made no consistent difference); --real is not used",
              file=sys.stderr)
    folders = [(args.background, "background")] + ([(args.real, "real")] if use_real else [])
    present = [(f, kind) for f, kind in folders if os.path.isdir(f)]
    for folder, kind in folders:
        if not os.path.isdir(folder):
            print(f"hsad train: {kind} folder {folder} not found: skipping it", file=sys.stderr)
    if not any(kind == "background" for _, kind in present):
        print(f"hsad train: no training data (background folder {args.background} not found); "
              f"nothing to train. Pass --background DIR.", file=sys.stderr)
        return 2
    try:
        import torch  # noqa: F401
    except ImportError:
        from .detector import torch_install_hint
        print(f"hsad train: {torch_install_hint()}", file=sys.stderr)
        return 2
    return _train(args, present, argv)


def _train(args, folders: list, argv: list) -> int:
    import torch
    from tqdm import tqdm
    from .patch_sampler import PatchSampler
    from .recipe import RECIPE
    from .trainer import build_model, seed_everything
    from .training_data import load_background_cubes, load_real_cubes, training_files
    from .weights_io import save_weights

    torch.set_num_threads(max(1, args.threads))
    os.makedirs(args.out, exist_ok=True)
    log_path = os.path.join(args.out, "training.log")
    started = time.time()
    with open(log_path, "w") as log_file:
        def log(message: str) -> None:
            line = f"[{time.time() - started:7.1f}s] {message}"
            log_file.write(line + "\n")
            log_file.flush()

        seed_everything(args.seed)
        sources = []
        for folder, kind in folders:
            loaded = load_background_cubes(folder) if kind == "background" else \
                load_real_cubes(folder, exclude=tuple(args.exclude))
            log(f"{kind}: {len(loaded)} cubes from {folder}: " +
                ", ".join(f"{s.name} {s.cube.shape}" for s in loaded))
            sources += loaded
        config = RECIPE.model_config()
        sampler = PatchSampler(sources, config.grid, RECIPE.patch, config.scaling,
                               RECIPE.sensor_strength, RECIPE.implant_probability, seed=args.seed)
        stage1 = RECIPE.stage1_settings(args.stage1_steps)
        stage2 = RECIPE.stage2_settings(args.stage2_steps)
        log(f"config: {json.dumps(config.as_dict())}")
        log(f"stage 1: {stage1}; stage 2: {stage2}; seed {args.seed}; threads {args.threads}")
        bar = not args.quiet and sys.stderr.isatty()  # no bar in logs, CI or pipes
        progress = (lambda it, desc: tqdm(it, desc=desc, unit="step")) if bar else None
        model = build_model(config, sampler, stage1, stage2, log, progress,
                            teacher_steps=RECIPE.teacher_steps, seed=args.seed)
        seconds = time.time() - started
        manifest = {
            "training": {
                "command": "python -m hsad.models.training " + " ".join(shlex.quote(a) for a in argv),
                "seed": args.seed, "seconds": round(seconds, 1), "threads": args.threads,
                "recipe": {**RECIPE.as_dict(), "stage1": vars(stage1), "stage2": vars(stage2)},
                "excluded_scenes": list(args.exclude),
                "torch": torch.__version__, "python": platform.python_version()},
            "training_files": training_files(sources),
            "cross_validation": _read_metrics(args.metrics),
            "native_weight_cross_validation": _read_metrics(NATIVE_WEIGHT_CV),
        }
        saved = save_weights(model, args.out, manifest)
        log(f"saved {saved['model_version']} to {args.out} after {seconds:.0f} s")
    print(f"hsad train: wrote {args.out} ({saved['model_version']}) in {seconds / 60:.1f} min; "
          f"log: {log_path}")
    return 0


def _read_metrics(path: str) -> dict:
    if path and os.path.isfile(path):
        with open(path) as handle:
            return json.load(handle)
    return {}


if __name__ == "__main__":
    sys.exit(main())
