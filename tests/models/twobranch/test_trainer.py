"""Training on tiny synthetic cubes: it trains, it is deterministic, the cache is exact."""
from __future__ import annotations

import numpy as np
import pytest

from hsad.engine.methods.twobranch.training.data import SourceCube
from hsad.engine.methods.twobranch.training.recipe import StageSettings
from hsad.engine.methods.twobranch.training.sampler import PatchSampler
from support import scene_with_targets, tiny_config

torch = pytest.importorskip("torch")
from hsad.models.twobranch.trainer import build_model, make_optimiser, seed_everything  # noqa: E402

torch.set_num_threads(1)  # tiny tensors: threads only add overhead on a shared 2-core machine


def sources():
    out = []
    for seed, wl in [(0, np.linspace(450, 2400, 30)), (1, None)]:
        cube, _ = scene_with_targets(rows=40, cols=40, seed=seed, targets=())
        out.append(SourceCube(f"synthetic-{seed}", cube, np.ones(cube.shape[:2], bool), wl))
    return out


def train(seed: int, steps: int = 3, separation: float = 1.0, schedule: str = "constant",
          cache=None):
    seed_everything(seed)
    config = tiny_config(ring_mean_start=True)
    sampler = PatchSampler(sources(), config.grid, size=16, implant_probability=0.5, seed=seed)
    settings = StageSettings(steps=steps, batch=2, separation=separation, schedule=schedule)
    return build_model(config.as_dict(), sampler, settings, lambda m: None, seed=seed,
                       stage1_cache=cache).state_dict()


def equal(a, b) -> bool:
    return all(torch.equal(a[k], b[k]) for k in a)


def test_training_changes_the_spectral_branch_and_stays_finite():
    untrained, trained = train(0, steps=0), train(0)
    key = "spectral.projection.conv2.weight"
    assert not torch.equal(untrained[key], trained[key])
    for state in (untrained, trained):
        assert all(torch.isfinite(v).all() for v in state.values() if v.is_floating_point())


def test_same_seed_same_weights_and_another_seed_others():
    assert equal(train(3), train(3))
    assert not equal(train(3), train(4))


def test_stage1_cache_gives_the_weights_of_a_full_run(tmp_path):
    cache = str(tmp_path / "stage1.pt")
    train(5, cache=cache)  # writes the cache
    assert equal(train(5, cache=cache), train(5))


def test_the_frozen_spatial_trunk_does_not_train():
    trained, untrained = train(0), train(0, steps=0)
    keys = [k for k in trained if k.startswith("spatial.") and trained[k].dim() == 4]
    assert keys and all(torch.equal(trained[k], untrained[k]) for k in keys)


def test_cosine_schedule_decays_the_learning_rate_to_zero():
    weight = torch.nn.Parameter(torch.zeros(3))
    optimiser, schedule = make_optimiser([weight], StageSettings(steps=10, lr=1e-2,
                                                                  schedule="cosine"))
    rates = []
    for _ in range(10):
        optimiser.step()
        schedule.step()
        rates.append(optimiser.param_groups[0]["lr"])
    assert rates[0] < 1e-2 and all(a > b for a, b in zip(rates, rates[1:]))
    assert rates[-1] == pytest.approx(0.0, abs=1e-12)
    assert make_optimiser([weight], StageSettings(steps=10))[1] is None
    with pytest.raises(ValueError, match="schedule 'linear'"):
        make_optimiser([weight], StageSettings(schedule="linear"))


def test_cosine_schedule_changes_training_and_stays_deterministic():
    key = "spectral.projection.conv2.weight"
    constant, cosine = train(2, schedule="constant"), train(2, schedule="cosine")
    assert not torch.equal(constant[key], cosine[key])
    assert equal(cosine, train(2, schedule="cosine"))
