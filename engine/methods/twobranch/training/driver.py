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

from ....errors import HsadError
from ..weights import TRAINING_LOG, WEIGHTS_DIR, check_weights_folder, save_weights
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
    """The command line; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    from .recipe import RECIPE
    manifest = train_weights(RECIPE, args.out, args.background, args.real, seed=args.seed,
                             stage1_steps=args.stage1_steps, exclude=args.exclude,
                             threads=args.threads, quiet=args.quiet,
                             command=" ".join([COMMAND] + [shlex.quote(a) for a in argv]))
    seconds = manifest["training"]["seconds"]
    print(f"{COMMAND}: wrote {args.out} ({manifest['model_version']}) in {seconds / 60:.1f} min")
    return 0


def train_weights(recipe, out: str, background: str = DEFAULT_BACKGROUND,
                  real: str = DEFAULT_REAL, seed: Optional[int] = None,
                  stage1_steps: Optional[int] = None, exclude=(), threads: int = 1,
                  quiet: bool = True, command: str = COMMAND, log=None) -> dict:
    """Train ``recipe`` and write its archive, manifest and training.log into ``out``."""
    seed = recipe.seed if seed is None else seed
    folders = [(background, "background")] + ([(real, "real")] if recipe.use_real else [])
    for folder, kind in folders:
        if not os.path.isdir(folder):
            (log or _stderr)(f"{COMMAND}: {kind} folder {folder} not found: skipping it")
    present = [(f, kind) for f, kind in folders if os.path.isdir(f)]
    if not any(kind == "background" for _, kind in present):
        raise HsadError(f"{background}: no training data (background folder not found); "
                        "pass --background DIR")
    check_weights_folder(out, _input_files(present))  # before hours of training
    from ....accelerator import models_module
    trainer = models_module("twobranch.trainer", "training")
    stage1 = recipe.stage1_settings(stage1_steps)
    arrays, seconds, sources = _train(recipe, seed, stage1, present, exclude, threads, quiet,
                                      out, trainer)
    manifest = {
        "config": recipe.model_config().as_dict(),
        "training": {"command": command, "seed": seed, "seconds": round(seconds, 1),
                     "threads": threads, "recipe": {**recipe.as_dict(), "seed": seed,
                                                    "stage1": asdict(stage1)},
                     "excluded_scenes": list(exclude), "torch": trainer.torch_version(),
                     "python": platform.python_version()},
        "training_files": _training_files(sources),
        "metrics": read_results(),
    }
    return save_weights(arrays, out, manifest)


def _input_files(folders: list) -> list:
    """The training data's files, which the weights must never replace: each folder's own
    files, and the files a background manifest lists."""
    found = []
    for folder, _ in folders:
        found += [os.path.join(folder, n) for n in sorted(os.listdir(folder))]
        try:
            with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as handle:
                listed = json.load(handle).get("files", [])
            found += [os.path.join(folder, e["file"]) for e in listed if isinstance(e, dict)
                      and isinstance(e.get("file"), str)]
        except (OSError, ValueError, AttributeError):
            pass
    return [p for p in found if os.path.isfile(p)]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def _train(recipe, seed: int, stage1, folders: list, exclude, threads: int, quiet: bool,
           out: str, trainer) -> tuple:
    """(numpy arrays of the trained model, seconds, the sources read), logging to training.log."""
    from .data import load_background_cubes, load_real_cubes
    from .sampler import PatchSampler
    trainer.set_threads(max(1, threads))
    started = time.time()
    lines = []

    def log(message: str) -> None:
        lines.append(f"[{time.time() - started:7.1f}s] {message}")

    trainer.seed_everything(seed)
    sources = []
    for folder, kind in folders:
        loaded = load_background_cubes(folder) if kind == "background" else \
            load_real_cubes(folder, exclude=tuple(exclude))
        log(f"{kind}: {len(loaded)} cubes from {folder}: " +
            ", ".join(f"{s.name} {s.cube.shape}" for s in loaded))
        sources += loaded
    config = recipe.model_config()
    sampler = PatchSampler(sources, config.grid, recipe.patch, config.scaling,
                           recipe.sensor_strength, recipe.implant_probability, seed=seed)
    log(f"config: {json.dumps(config.as_dict())}")
    log(f"stage 1: {stage1}; seed {seed}; threads {threads}")
    progress = None
    if not quiet and sys.stderr.isatty():  # no bar in logs, CI or pipes
        from tqdm import tqdm

        def progress(iterable, desc):
            return tqdm(iterable, desc=desc, unit="step")
    arrays = trainer.train_arrays(config.as_dict(), sampler, stage1, log, progress, seed=seed)
    seconds = time.time() - started
    log(f"trained in {seconds:.0f} s")
    from ....outputs.staging import write_text
    write_text(os.path.join(out, TRAINING_LOG), "\n".join(lines) + "\n", overwrite=True)
    return arrays, seconds, sources


def read_results(folder: str = RESULTS_DIR) -> dict:
    """The cross-validated metrics the manifest carries ({} when research/ is not here): each
    experiment's "summary" where it writes one (its full tables stay in research/results)."""
    out = {}
    if os.path.isdir(folder):
        for name in sorted(os.listdir(folder)):
            if name.endswith(".json"):
                with open(os.path.join(folder, name), encoding="utf-8") as handle:
                    result = json.load(handle)
                out[os.path.splitext(name)[0]] = result.get("summary", result)
    return out


def _training_files(sources: list) -> dict:
    from .data import training_files
    return training_files(sources)
