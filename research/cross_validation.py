"""``python -m hsad.models.cross_validation``: the honest numbers behind docs/model.md.

Protocol (ground truth is read only to score, never to train or to stop training):

* ``background`` mode: every candidate recipe is trained on the background folder only, so
  none of the labelled scenes is in its training data, then all labelled scenes are scored with
  every fusion from one feature pass. Choices are made leave-one-scene-out (LOSO): each scene
  is scored with the (candidate, fusion) that has the best mean AUC on the *other* scenes.
* ``sites`` mode: a recipe (``--recipe``; the shipped one by default) is trained on the
  background folder plus the labelled scenes' cubes *minus one site* (scenes of one place share
  a fold), and scored on that site; repeated for every site. It measures whether training on
  the labelled cubes too would help; the shipped weights train on the background folder only.

Every run is cached as JSON under ``--work`` (stage 1 too, when candidates share it), so an
interrupted run resumes and two processes can split the candidates with ``--only``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from dataclasses import replace

from .recipe import RECIPE, Recipe, StageSettings
from .training_data import DEFAULT_BACKGROUND, DEFAULT_REAL, REPO_ROOT

# Scenes of one place (or one flight line) are held out together in ``sites`` mode.
SITES = {"los-angeles": ("abu-airport-2", "abu-airport-3", "abu-urban-4", "abu-urban-5"),
         "san-diego": ("sandiego-1", "sandiego-2", "abu-beach-2"),
         "gulf-and-texas-coast": ("abu-airport-4", "abu-beach-1", "abu-urban-2"),
         "pavia": ("pavia-centre",)}
COMMAND = "python -m hsad.models.cross_validation"


def candidates() -> dict:
    """name -> (recipe, description): the recipes compared in docs/model.md."""
    # The first recipe's stage 1 (400 steps, constant rate), pinned so that these names keep
    # meaning the runs cached under them whatever RECIPE becomes.
    base = replace(RECIPE, use_real=False, stage1=StageSettings(400), spectral_members=1)
    untrained = dict(stage1=StageSettings(0), stage2=StageSettings(0))
    paper2 = StageSettings(200, lr=5e-3, decorrelation=True)
    context2 = StageSettings(200, lr=1e-3, decorrelation=False)
    return {
        "untrained-pyramid": (replace(base, spatial="pyramid", **untrained),
                              "paper-style networks, random frozen weights (control)"),
        "untrained-context": (replace(base, **untrained),
                              "shipped architecture, random frozen weights (control)"),
        "paper": (replace(base, spatial="pyramid", stage2=paper2),
                  "paper's spatial branch: restoration + decorrelation losses"),
        "paper-no-decorrelation": (
            replace(base, spatial="pyramid", stage2=replace(paper2, decorrelation=False)),
            "paper's spatial branch, restoration loss only"),
        "context-fixed": (replace(base, stage2=StageSettings(0)),
                          "context branch left at its ring-mean start"),
        "context-trained": (replace(base, stage2=context2),
                            "context branch trained to predict the pixel from its rings"),
        "context-trained-decorrelation": (
            replace(base, stage2=replace(context2, decorrelation=True)),
            "context branch trained with the decorrelation losses too"),
        "autoencoder-teacher": (replace(base, teacher_steps=200, stage2=StageSettings(0)),
                                "self-supervised (denoising autoencoder) teacher"),
        "separation": (replace(base, implant_probability=0.5,
                               stage1=replace(base.stage1, separation=1.0),
                               stage2=StageSettings(0)),
                       "stage 1 also separates implanted synthetic anomalies"),
        "minmax-scaling": (replace(base, scaling="minmax", stage2=StageSettings(0)),
                           "the paper's global min-max scaling"),
        "context-fixed-cosine": (
            replace(base, stage1=replace(base.stage1, schedule="cosine"), stage2=StageSettings(0)),
            "shipped recipe, stage-1 learning rate decayed to 0 (cosine)"),
        "ensemble4": (replace(base, spectral_members=4, stage2=StageSettings(0)),
                      "shipped recipe with four spectral branches (own random teachers), averaged"),
        "untrained-ensemble4": (replace(base, spectral_members=4, **untrained),
                                "four spectral branches, random frozen weights (control)"),
        "context-fixed-long-cosine": (
            replace(base, stage1=replace(base.stage1, steps=1200, schedule="cosine"),
                    stage2=StageSettings(0)),
            "shipped recipe, 3x the stage-1 steps, cosine decay"),
    }


def _stage1_key(recipe: Recipe, sources: list) -> str:
    """What one stage-1 member depends on (settings added later count only when not default)."""
    keep = {k: v for k, v in recipe.as_dict().items()
            if k not in ("fusion", "spatial", "ring_mean_start", "stage2", "spectral_members",
                          "native_rx_weight")}
    if keep["stage1"]["schedule"] == "constant":
        del keep["stage1"]["schedule"]
    text = json.dumps([keep, [s.name for s in sources]], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def build_recipe_model(recipe: Recipe, background: str, real: str, exclude: tuple,
                       threads: int, work: str, log) -> tuple:
    """(model, sources, seconds): one recipe trained on the background folder (plus the real
    cubes minus ``exclude`` when the recipe uses them), stage 1 cached under ``work``."""
    import time
    import torch
    from .patch_sampler import PatchSampler
    from .trainer import build_model, seed_everything
    from .training_data import load_background_cubes, load_real_cubes
    torch.set_num_threads(threads)
    seed_everything(recipe.seed)
    sources = load_background_cubes(background)
    if recipe.use_real:
        sources += load_real_cubes(real, exclude=exclude)
    config = recipe.model_config()
    sampler = PatchSampler(sources, config.grid, recipe.patch, config.scaling,
                           recipe.sensor_strength, recipe.implant_probability, seed=recipe.seed)
    started = time.time()
    stage1 = recipe.stage1 if recipe.stage1.steps else None
    stage2 = recipe.stage2 if recipe.stage2.steps else None
    os.makedirs(work, exist_ok=True)
    cache = os.path.join(work, f"stage1-{_stage1_key(recipe, sources)}.pt") if stage1 else None
    model = build_model(config, sampler, stage1, stage2, log, teacher_steps=recipe.teacher_steps,
                        stage1_cache=cache, seed=recipe.seed)
    return model, sources, time.time() - started


def train_and_score(recipe: Recipe, background: str, real: str, exclude: tuple, scenes: dict,
                    threads: int, work: str, log) -> dict:
    """Train one recipe (background + real cubes minus ``exclude``) and score ``scenes``."""
    from .evaluation import evaluate_model
    model, sources, seconds = build_recipe_model(recipe, background, real, exclude, threads,
                                                 work, log)
    return {"recipe": recipe.as_dict(), "table": evaluate_model(model, scenes),
            "train_seconds": round(seconds, 1), "sources": [s.name for s in sources]}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=f"examples:\n  {COMMAND}                  # all candidates\n"
                                       f"  {COMMAND} --only paper     # one candidate\n"
                                       f"  {COMMAND} --mode sites     # the shipped recipe by site\n"
                                       f"  {COMMAND} --mode sites --recipe context-fixed\n"
                                       f"  {COMMAND} --mode report    # write the JSON summary\n")
    p.add_argument("--mode", choices=("background", "sites", "report"), default="background")
    p.add_argument("--only", action="append", default=[], help="candidates (or sites) to run")
    p.add_argument("--recipe", action="append", default=[],
                   help="sites mode: candidate recipes to run (default: the shipped recipe)")
    p.add_argument("--background", default=DEFAULT_BACKGROUND)
    p.add_argument("--real", default=DEFAULT_REAL)
    p.add_argument("--work", default=os.path.join(REPO_ROOT, "build", "cv"),
                   help="cache folder for trained candidates [%(default)s]")
    p.add_argument("--out", default=os.path.join(REPO_ROOT, "models", "cross_validation.json"))
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, action="append", default=None,
                   help="background mode: seeds to run (default 0; others are cached as NAME@seedN)")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    args.seed = args.seed or [0]
    if not (os.path.isdir(args.background) and os.path.isdir(args.real)):
        print(f"{COMMAND}: needs the background and real data folders "
              f"({args.background}, {args.real})", file=sys.stderr)
        return 2
    os.makedirs(args.work, exist_ok=True)
    if args.mode == "report":
        from .cv_report import write_report
        write_report(args.work, args.out, candidates(), SITES)
        print(f"wrote {args.out}")
        return 0
    from .evaluation import labelled_scenes
    scenes = labelled_scenes(args.real)
    log_file = open(os.path.join(args.work, f"{args.mode}.log"), "a")

    def log(message: str) -> None:
        log_file.write(message + "\n")
        log_file.flush()

    if args.mode == "background":
        jobs = {f"background-{name}" + (f"@seed{seed}" if seed else ""):
                (replace(recipe, seed=seed), (), scenes)
                for name, (recipe, _) in candidates().items()
                if not args.only or name in args.only for seed in args.seed}
    else:
        recipes = {"shipped": replace(RECIPE, use_real=True)}
        recipes.update({name: replace(recipe, use_real=True)
                        for name, (recipe, _) in candidates().items() if name in args.recipe})
        jobs = {f"sites-{name}-{site}": (recipe, members,
                                          {s: scenes[s] for s in members if s in scenes})
                for name, recipe in recipes.items() if not args.recipe or name in args.recipe
                for site, members in SITES.items() if not args.only or site in args.only}
    for key, (recipe, exclude, scored) in jobs.items():
        path = os.path.join(args.work, key + ".json")
        if os.path.isfile(path):
            continue
        log(f"== {key}")
        result = train_and_score(recipe, args.background, args.real, exclude, scored,
                                 args.threads, args.work, log)
        with open(path, "w") as handle:
            json.dump(result, handle, indent=1)
        print(f"{key}: done in {result['train_seconds']:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
