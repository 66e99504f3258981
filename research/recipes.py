"""Networks of a recipe at other seeds, trained or left untrained, cached between experiments.

Seed 0 of the shipped recipe is the shipped archive itself; other seeds, the untrained control
(stage 1 with no steps: the calibrated random networks) and other recipes are trained once by
the product's own trainer (``hsad train``) into build/research and reused while their recipe
is unchanged.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from typing import Optional, Sequence

from ..engine.errors import HsadError
from ..engine.pretrained.training.data import DEFAULT_BACKGROUND, DEFAULT_REAL, REPO_ROOT
from ..engine.pretrained.training.driver import train_weights
from ..engine.pretrained.training.recipe import RECIPE, Recipe
from ..engine.pretrained.weights import WEIGHTS_DIR, read_manifest

WORK = os.path.join(REPO_ROOT, "build", "research")


def untrained(recipe: Recipe) -> Recipe:
    """The control: the same networks with stage 1 left at its calibrated random start."""
    return replace(recipe, stage1=replace(recipe.stage1, steps=0))


def weights_folder(recipe: Recipe = RECIPE, seed: int = 0, exclude: Sequence[str] = (),
                   work: str = WORK, background: str = DEFAULT_BACKGROUND,
                   real: str = DEFAULT_REAL, log=print) -> str:
    """A folder holding ``recipe``'s weights at ``seed`` (trained now unless cached)."""
    if recipe == RECIPE and seed == RECIPE.seed and not exclude and _is_shipped(recipe):
        return WEIGHTS_DIR
    key = json.dumps({"recipe": recipe.as_dict(), "seed": seed, "exclude": sorted(exclude)},
                     sort_keys=True)
    folder = os.path.join(work, hashlib.sha1(key.encode()).hexdigest()[:12])
    done = os.path.join(folder, "recipe.json")
    if os.path.isfile(done) and os.path.isfile(os.path.join(folder, "manifest.json")):
        return folder
    log(f"training seed {seed} of {'the untrained control' if not recipe.stage1.steps else 'the recipe'}"
        f"{' without ' + ', '.join(exclude) if exclude else ''} into {folder}")
    train_weights(recipe, folder, background, real, seed=seed, exclude=exclude,
                  command=f"python -m hsad.research (seed {seed})")
    with open(done, "w", encoding="utf-8") as handle:
        handle.write(key)
    return folder


def _is_shipped(recipe: Recipe) -> bool:
    """Whether the shipped archive was trained with exactly this recipe (else train it)."""
    try:
        shipped = read_manifest()["training"]["recipe"]
    except (HsadError, KeyError, TypeError):
        return False
    return {k: v for k, v in shipped.items() if k != "stage1"} == \
        {k: v for k, v in recipe.as_dict().items() if k != "stage1"} and \
        shipped.get("stage1", {}).get("steps") == recipe.stage1.steps


def seeds_of(recipe: Recipe, seeds: int, control: bool = False,
             exclude: Sequence[str] = (), log=print) -> list:
    """Weights folders of seeds 0..seeds-1 of the recipe (or of its untrained control)."""
    chosen = untrained(recipe) if control else recipe
    return [weights_folder(chosen, seed, exclude, log=log) for seed in range(seeds)]


def optional_folder(path: Optional[str]) -> Optional[str]:
    return path if path and os.path.isdir(path) else None
