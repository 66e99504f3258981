"""``python -m hsad.models.cross_validation``: the honest numbers behind docs/model.md.

Protocol (GT is read only to score, never to train):

* ``background`` mode: every candidate configuration is trained on the background folder only,
  so none of the labelled scenes is ever in its training data; all labelled scenes are scored
  with every fusion from one feature pass; choices (candidate, fusion) are made by
  leave-one-scene-out: each scene is scored with the choice that is best on the other scenes.
* ``sites`` mode: a recipe is trained on the background folder plus the labelled scenes'
  cubes *minus one site* (scenes from one place or flight share a fold), and scored on the
  held-out site's scenes; repeated for every site. This measures the shipped recipe, which
  trains on all cubes.

Each trained candidate is cached as JSON under ``--work``, so an interrupted run resumes.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace

import numpy as np

from .recipe import RECIPE, Recipe, StageSettings
from .training_data import DEFAULT_BACKGROUND, DEFAULT_REAL, REPO_ROOT

# Scenes of one place (or flight line) are held out together in ``sites`` mode.
SITES = {"los-angeles": ["abu-airport-2", "abu-airport-3", "abu-urban-4", "abu-urban-5"],
         "san-diego": ["sandiego-1", "sandiego-2", "abu-beach-2"],
         "gulf-coast": ["abu-airport-4", "abu-beach-1", "abu-urban-2"],
         "pavia": ["pavia-centre"]}


def candidates() -> dict:
    """name -> (recipe, description): the configurations compared in docs/model.md."""
    base = RECIPE
    paper = replace(base, stage1=StageSettings(base.stage1.steps),
                    stage2=StageSettings(base.stage2.steps))
    return {
        "untrained": (replace(base, stage1=StageSettings(0), stage2=StageSettings(0)),
                      "the same networks, random frozen weights (batch norm calibrated)"),
        "paper": (paper, "paper losses only (no implanted anomalies)"),
        "no-decorrelation": (replace(base, stage2=replace(base.stage2, decorrelation=False)),
                             "stage 2 without the decorrelation losses"),
        "shipped": (base, "the shipped recipe"),
    }


def train_and_score(recipe: Recipe, background: str, real: str, exclude: tuple, scenes: dict,
                    threads: int, log) -> dict:
    """Train one recipe (background + real cubes minus ``exclude``) and score ``scenes``."""
    import torch
    from .evaluation import evaluate_model
    from .patch_sampler import PatchSampler
    from .trainer import build_model, seed_everything
    from .training_data import load_background_cubes, load_real_cubes
    torch.set_num_threads(threads)
    seed_everything(recipe.seed)
    sources = load_background_cubes(background)
    if real and recipe_uses_real(recipe):
        sources += load_real_cubes(real, exclude=exclude)
    config = recipe.model_config()
    sampler = PatchSampler(sources, config.grid, recipe.patch, config.scaling,
                           recipe.sensor_strength, recipe.implant_probability, seed=recipe.seed)
    started = time.time()
    stage1 = recipe.stage1 if recipe.stage1.steps else None
    stage2 = recipe.stage2 if recipe.stage2.steps else None
    model = build_model(config, sampler, stage1, stage2, log)
    seconds = time.time() - started
    return {"table": evaluate_model(model, scenes), "train_seconds": round(seconds, 1),
            "sources": [s.name for s in sources]}


def recipe_uses_real(recipe: Recipe) -> bool:
    return getattr(recipe, "use_real", True)


def leave_one_out(tables: dict, fusions: tuple) -> dict:
    """Per scene: the (candidate, fusion) best on the other scenes, and its AUC there."""
    from .evaluation import leave_one_scene_out
    flat = {f"{c}/{f}": tables[c][f] for c in tables for f in fusions if f in tables[c]}
    chosen = leave_one_scene_out(flat)
    return {scene: {"choice": choice, "auc": auc} for scene, (choice, auc) in chosen.items()}


def summarise(per_scene: dict) -> dict:
    aucs = [v["auc"] if isinstance(v, dict) else v for v in per_scene.values()]
    return {"mean_auc": float(np.mean(aucs)), "scenes": len(aucs)}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m hsad.models.cross_validation",
                                description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="examples:\n  python -m hsad.models.cross_validation\n"
                                       "  python -m hsad.models.cross_validation --mode sites\n")
    p.add_argument("--mode", choices=("background", "sites"), default="background")
    p.add_argument("--only", action="append", default=[], help="candidates to (re)run")
    p.add_argument("--background", default=DEFAULT_BACKGROUND)
    p.add_argument("--real", default=DEFAULT_REAL)
    p.add_argument("--work", default=os.path.join(REPO_ROOT, "build", "cv"))
    p.add_argument("--out", default=os.path.join(REPO_ROOT, "models", "cross_validation.json"))
    p.add_argument("--threads", type=int, default=1)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    from .evaluation import labelled_scenes
    if not (os.path.isdir(args.background) and os.path.isdir(args.real)):
        print("cross-validation needs the background and real data folders", file=sys.stderr)
        return 2
    os.makedirs(args.work, exist_ok=True)
    scenes = labelled_scenes(args.real)
    log_file = open(os.path.join(args.work, f"{args.mode}.log"), "a")

    def log(message: str) -> None:
        log_file.write(message + "\n")
        log_file.flush()

    results = {}
    if args.mode == "background":
        for name, (recipe, about) in candidates().items():
            if args.only and name not in args.only:
                continue
            background_only = replace(recipe)
            background_only.use_real = False  # type: ignore[attr-defined]
            results[name] = _cached(args.work, f"background-{name}", lambda: train_and_score(
                background_only, args.background, "", (), scenes, args.threads, log))
            results[name]["about"] = about
    else:
        for site, members in SITES.items():
            held = {s: scenes[s] for s in members if s in scenes}
            results[site] = _cached(args.work, f"sites-{site}", lambda: train_and_score(
                RECIPE, args.background, args.real, tuple(members), held, args.threads, log))
    with open(os.path.join(args.work, f"{args.mode}-summary.json"), "w") as handle:
        json.dump(results, handle, indent=1)
    print(json.dumps({k: {f: round(float(np.mean(list(t.values()))), 4)
                          for f, t in v["table"].items()} for k, v in results.items()}, indent=1))
    return 0


def _cached(work: str, key: str, compute) -> dict:
    path = os.path.join(work, key + ".json")
    if os.path.isfile(path):
        with open(path) as handle:
            return json.load(handle)
    result = compute()
    with open(path, "w") as handle:
        json.dump(result, handle, indent=1)
    return result


if __name__ == "__main__":
    sys.exit(main())
