"""Networks of a recipe at other seeds, trained or left untrained, cached between experiments.

A recipe has training settings (what shapes the networks) and score settings (how their
features become a score). Networks are trained once per training settings, seed and excluded
scenes, by the product's own trainer (``hsad train``) into build/research; the shipped archive
serves when they match it. A recipe's weights folder is then those networks with its score
settings in the manifest, so recipes that differ only in how they score share their training.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from typing import Sequence

from ..engine.errors import HsadError
from ..engine.outputs.staging import write_json
from ..engine.methods.twobranch.training.data import DEFAULT_BACKGROUND, DEFAULT_REAL, REPO_ROOT
from ..engine.methods.twobranch.training.driver import train_weights
from ..engine.methods.twobranch.training.recipe import RECIPE, Recipe
from ..engine.methods.twobranch.weights import (WEIGHTS_DIR, load_weights, read_manifest,
                                                save_weights)

WORK = os.path.join(REPO_ROOT, "build", "research")
SCORE_FIELDS = ("native_rx_weight", "fused_loading", "score_filter", "score_filter_form")


def untrained(recipe: Recipe) -> Recipe:
    """The control: the same networks with stage 1 left at its calibrated random start."""
    return replace(recipe, stage1=replace(recipe.stage1, steps=0))


def training_key(recipe: Recipe, seed: int, exclude: Sequence[str] = ()) -> dict:
    """What the networks depend on (the score settings do not change them)."""
    settings = {k: v for k, v in recipe.as_dict().items() if k not in SCORE_FIELDS + ("seed",)}
    return {"training": settings, "seed": seed, "exclude": sorted(exclude)}


def weights_folder(recipe: Recipe = RECIPE, seed: int = 0, exclude: Sequence[str] = (),
                   work: str = WORK, background: str = DEFAULT_BACKGROUND,
                   real: str = DEFAULT_REAL, log=print) -> str:
    """A folder holding ``recipe``'s weights at ``seed`` (networks trained now unless cached)."""
    networks = networks_folder(recipe, seed, exclude, work, background, real, log)
    manifest = read_manifest(networks)
    config = recipe.model_config().as_dict()
    if manifest.get("config") == config:
        return networks
    key = json.dumps({"networks": networks, "config": config}, sort_keys=True)
    folder = os.path.join(work, "scored-" + hashlib.sha1(key.encode()).hexdigest()[:12])
    if not os.path.isfile(os.path.join(folder, "manifest.json")):
        arrays, _ = load_weights(networks)
        save_weights(arrays, folder, {**{k: v for k, v in manifest.items()
                                         if k in ("training", "training_files")},
                                      "config": config})
    return folder


def networks_folder(recipe: Recipe, seed: int, exclude: Sequence[str], work: str,
                    background: str, real: str, log) -> str:
    """Trained (or untrained) networks of the recipe's training settings at this seed."""
    key = training_key(recipe, seed, exclude)
    if not exclude and _shipped_key() == key:
        return WEIGHTS_DIR
    folder = os.path.join(work, hashlib.sha1(json.dumps(key, sort_keys=True).encode())
                          .hexdigest()[:12])
    done = os.path.join(folder, "recipe.json")
    if os.path.isfile(done) and os.path.isfile(os.path.join(folder, "manifest.json")):
        return folder
    what = "the untrained control" if not recipe.stage1.steps else "the recipe"
    log(f"training seed {seed} of {what}"
        f"{' without ' + ', '.join(exclude) if exclude else ''} into {folder}")
    train_weights(recipe, folder, background, real, seed=seed, exclude=exclude,
                  command=f"python -m hsad.research (seed {seed})")
    write_json(done, key, overwrite=True)
    return folder


def _shipped_key() -> dict:
    """The training key of the shipped archive ({} when it has no training record)."""
    try:
        training = read_manifest()["training"]
        recipe = Recipe(**{**training["recipe"], "stage1": RECIPE.stage1.__class__(
            **training["recipe"]["stage1"])})
        return training_key(recipe, training["seed"], training.get("excluded_scenes", ()))
    except (HsadError, KeyError, TypeError):
        return {}


def seeds_of(recipe: Recipe, seeds: int, control: bool = False,
             exclude: Sequence[str] = (), log=print) -> list:
    """Weights folders of seeds 0..seeds-1 of the recipe (or of its untrained control)."""
    chosen = untrained(recipe) if control else recipe
    return [weights_folder(chosen, seed, exclude, log=log) for seed in range(seeds)]
