"""``hsad train``: rebuild the shipped weights from the data folders.

Reproducible: a fixed seed, CPU, one thread, a fixed number of steps, and an archive written
byte for byte the same way each time, so the same command on the same data gives the same
sha256. The data are read here (by the engine's readers); the torch work is
``hsad.models.trainer``; the result is the numpy archive and manifest the detector loads. The
manifest records the sha256 of every training file, the configuration, the command and the
cross-validated metrics (from research/results, when present).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
from dataclasses import asdict
from typing import Optional

from ...errors import HsadError
from ..weights import WEIGHTS_DIR, save_weights
from .data import DEFAULT_BACKGROUND, DEFAULT_REAL, REPO_ROOT

RESULTS_DIR = os.path.join(REPO_ROOT, "research", "results")
COMMAND = "hsad train"

EXAMPLES = """examples:
  hsad train                                  # the shipped weights, into models/weights
  hsad train --out /tmp/w --seed 1
  hsad train --stage1-steps 50 --out /tmp/quick
"""


def build_parser() -> argparse.ArgumentParser:
    from .recipe import RECIPE
    p = argparse.ArgumentParser(
        prog=COMMAND, description="Train the two-branch detector (CPU, fixed seed) and write "
        "its weights: twobranch.npz + manifest.json.", epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=WEIGHTS_DIR,
                   help="output folder for twobranch.npz, manifest.json and training.log "
                   "[the shipped weights]")
    p.add_argument("--background", default=DEFAULT_BACKGROUND,
                   help="background cubes folder (with manifest.json) [%(default)s]")
    p.add_argument("--real", default=DEFAULT_REAL,
                   help="labelled scenes folder: only their cubes, never their ground truth, "
                   "and only when the recipe uses them")
    p.add_argument("--exclude", action="append", default=[], metavar="SCENE",
                   help="leave a labelled scene (file stem) out of training (cross-validation)")
    p.add_argument("--seed", type=int, default=RECIPE.seed)
    p.add_argument("--stage1-steps", type=int, default=RECIPE.stage1.steps)
    p.add_argument("--threads", type=int, default=1,
                   help="CPU threads for torch (1 reproduces the shipped weights bit for bit)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def main(argv: Optional[list] = None) -> int:
    """The command line; returns the exit code (2 for missing data or torch)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    from .recipe import RECIPE
    folders = [(args.background, "background")] + ([(args.real, "real")] if RECIPE.use_real else [])
    for folder, kind in folders:
        if not os.path.isdir(folder):
            print(f"{COMMAND}: {kind} folder {folder} not found: skipping it", file=sys.stderr)
    present = [(f, kind) for f, kind in folders if os.path.isdir(f)]
    if not any(kind == "background" for _, kind in present):
        raise HsadError(f"{args.background}: no training data (background folder not found); "
                        "pass --background DIR")
    from ...accelerator import models_module
    trainer = models_module("trainer", "training")
    model, seconds, sources = train(args, present, trainer)
    manifest = {
        "config": RECIPE.model_config().as_dict(),
        "training": {
            "command": " ".join([COMMAND] + [shlex.quote(a) for a in argv]),
            "seed": args.seed, "seconds": round(seconds, 1), "threads": args.threads,
            "recipe": {**RECIPE.as_dict(),
                       "stage1": asdict(RECIPE.stage1_settings(args.stage1_steps))},
            "excluded_scenes": list(args.exclude),
            "torch": trainer.torch_version(), "python": platform.python_version()},
        "training_files": _training_files(sources),
        "metrics": read_results(),
    }
    saved = save_weights(model, args.out, manifest)
    print(f"{COMMAND}: wrote {args.out} ({saved['model_version']}) in {seconds / 60:.1f} min")
    return 0


def train(args, folders: list, trainer) -> tuple:
    """(numpy arrays of the trained model, seconds, the sources read), logging to training.log."""
    from .data import load_background_cubes, load_real_cubes
    from .recipe import RECIPE
    from .sampler import PatchSampler
    trainer.set_threads(max(1, args.threads))
    os.makedirs(args.out, exist_ok=True)
    started = time.time()
    lines = []

    def log(message: str) -> None:
        lines.append(f"[{time.time() - started:7.1f}s] {message}")

    trainer.seed_everything(args.seed)
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
    log(f"config: {json.dumps(config.as_dict())}")
    log(f"stage 1: {stage1}; seed {args.seed}; threads {args.threads}")
    bar = not args.quiet and sys.stderr.isatty()  # no bar in logs, CI or pipes
    progress = None
    if bar:
        from tqdm import tqdm

        def progress(iterable, desc):
            return tqdm(iterable, desc=desc, unit="step")
    arrays = trainer.train_arrays(config.as_dict(), sampler, stage1, log, progress, seed=args.seed)
    seconds = time.time() - started
    log(f"trained in {seconds:.0f} s")
    from ...outputs.staging import write_text
    write_text(os.path.join(args.out, "training.log"), "\n".join(lines) + "\n", overwrite=True)
    return arrays, seconds, sources


def read_results(folder: str = RESULTS_DIR) -> dict:
    """The cross-validated metrics the manifest carries ({} when research/ is not here)."""
    out = {}
    if os.path.isdir(folder):
        for name in sorted(os.listdir(folder)):
            if name.endswith(".json"):
                with open(os.path.join(folder, name), encoding="utf-8") as handle:
                    out[os.path.splitext(name)[0]] = json.load(handle)
    return out


def _training_files(sources: list) -> dict:
    from .data import training_files
    return training_files(sources)
