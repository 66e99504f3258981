"""Training: a short smoke run on a tiny synthetic cube, determinism with a seed, the CLI."""
import json
import os

import numpy as np
import pytest
import scipy.io
import torch

from hsad.models.patch_sampler import PatchSampler
from hsad.models.recipe import StageSettings
from hsad.models.trainer import build_model, seed_everything
from hsad.models.training_data import SourceCube

from .conftest import synthetic_cube, tiny_config


def sources():
    out = []
    for seed, wl in [(0, np.linspace(450, 2400, 30)), (1, None)]:
        cube, _ = synthetic_cube(rows=40, cols=40, seed=seed, anomalies=False)
        out.append(SourceCube(f"synthetic-{seed}", cube, np.ones(cube.shape[:2], bool), wl))
    return out


def train_tiny(seed: int, separation: float = 1.0):
    seed_everything(seed)
    config = tiny_config()
    sampler = PatchSampler(sources(), config.grid, size=16, implant_probability=0.5, seed=seed)
    settings = StageSettings(steps=3, batch=2, separation=separation)
    return build_model(config, sampler, settings, settings, lambda m: None, seed=seed)


def test_smoke_run_changes_the_trainable_weights():
    seed_everything(0)
    untrained = build_model(tiny_config(), PatchSampler(sources(), tiny_config().grid, size=16),
                            None, None, lambda m: None)
    trained = train_tiny(0)
    before, after = untrained.state_dict(), trained.state_dict()
    assert not torch.equal(before["spectral.projection.conv2.weight"],
                           after["spectral.projection.conv2.weight"])
    assert not torch.equal(before["spatial.pyramid.conv1.weight"],
                           after["spatial.pyramid.conv1.weight"])
    for state in (before, after):
        assert all(torch.isfinite(v).all() for v in state.values() if v.is_floating_point())


def test_same_seed_same_weights():
    a, b = train_tiny(3).state_dict(), train_tiny(3).state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_stage1_cache_gives_the_weights_of_a_full_run(tmp_path):
    """A candidate that reuses a cached stage 1 ends with exactly a direct run's weights."""
    def run(cache, spatial):
        seed_everything(5)
        config = tiny_config(spatial=spatial, rings=((3, 5), (5, 9)), ring_mean_start=True)
        sampler = PatchSampler(sources(), config.grid, size=16, seed=5)
        stage = StageSettings(steps=2, batch=2, lr=1e-3, decorrelation=False)
        return build_model(config, sampler, stage, stage, lambda m: None, seed=5,
                           stage1_cache=cache).state_dict()
    cache = str(tmp_path / "stage1.pt")
    run(cache, "pyramid")  # writes the cache with another spatial branch
    cached, direct = run(cache, "context"), run(None, "context")
    assert all(torch.equal(cached[k], direct[k]) for k in direct)


def test_different_seed_different_weights():
    a, b = train_tiny(3).state_dict(), train_tiny(4).state_dict()
    assert not all(torch.equal(a[k], b[k]) for k in a)


def test_frozen_trunk_does_not_train():
    """Same seed, trained or not: the frozen trunk's convolutions are the initial ones."""
    trained = train_tiny(0).state_dict()
    untrained = build_model(tiny_config(), PatchSampler(sources(), tiny_config().grid, size=16),
                            None, None, lambda m: None, seed=0).state_dict()
    keys = [k for k in trained if k.startswith("spatial.trunk") and trained[k].dim() == 4]
    assert keys
    assert all(torch.equal(trained[k], untrained[k]) for k in keys)


def test_cli_trains_and_writes_loadable_weights(tmp_path, monkeypatch):
    """`python -m hsad.models.training` on a folder with one small cube, two steps a stage."""
    from hsad.models import recipe, training
    from hsad.models.weights_io import load_weights
    background = tmp_path / "background"
    background.mkdir()
    cube, _ = synthetic_cube(rows=52, cols=52, anomalies=False)
    scipy.io.savemat(background / "cube.mat", {"cube": cube})
    json.dump({"files": [{"file": "cube.mat", "role": "cube"}]},
              open(background / "manifest.json", "w"))
    small = recipe.Recipe(patch=24, stage1=StageSettings(2, batch=2, separation=1.0),
                          stage2=StageSettings(2, batch=2, separation=1.0))
    monkeypatch.setattr(recipe, "RECIPE", small)
    out = tmp_path / "weights"
    code = training.main(["--background", str(background), "--no-real", "--out", str(out),
                          "--quiet", "--metrics", "", "--threads", "1"])
    assert code == 0
    model, manifest = load_weights(str(out))
    assert "cube.mat" in " ".join(manifest["training_files"])
    assert manifest["training"]["seed"] == recipe.RECIPE.seed
    assert os.path.getsize(out / "training.log") > 0


def test_cli_without_data_says_so(tmp_path, capsys):
    from hsad.models import training
    code = training.main(["--background", str(tmp_path / "none"), "--real", str(tmp_path / "no"),
                          "--out", str(tmp_path / "w")])
    assert code == 2
    assert "no training data" in capsys.readouterr().err


def test_help_has_examples(capsys):
    from hsad.models import training
    with pytest.raises(SystemExit):
        training.main(["--help"])
    assert "examples:" in capsys.readouterr().out


def test_cosine_schedule_decays_the_learning_rate_to_zero():
    from hsad.models.trainer import _optimiser
    weight = torch.nn.Parameter(torch.zeros(3))
    optimiser, schedule = _optimiser([weight], StageSettings(steps=10, lr=1e-2, schedule="cosine"))
    rates = []
    for _ in range(10):
        optimiser.step()
        schedule.step()
        rates.append(optimiser.param_groups[0]["lr"])
    assert rates[0] < 1e-2 and all(a > b for a, b in zip(rates, rates[1:]))
    assert rates[-1] == pytest.approx(0.0, abs=1e-12)
    assert _optimiser([weight], StageSettings(steps=10))[1] is None  # constant: no scheduler


def test_unknown_schedule_is_refused():
    from hsad.models.trainer import _optimiser
    with pytest.raises(ValueError, match="schedule 'linear'"):
        _optimiser([torch.nn.Parameter(torch.zeros(1))], StageSettings(schedule="linear"))


def test_cosine_schedule_changes_training_and_stays_deterministic():
    def run(schedule):
        seed_everything(2)
        config = tiny_config()
        sampler = PatchSampler(sources(), config.grid, size=16, seed=2)
        stage = StageSettings(steps=3, batch=2, schedule=schedule)
        return build_model(config, sampler, stage, None, lambda m: None, seed=2).state_dict()
    constant, cosine, again = run("constant"), run("cosine"), run("cosine")
    key = "spectral.projection.conv2.weight"
    assert not torch.equal(constant[key], cosine[key])
    assert all(torch.equal(cosine[k], again[k]) for k in cosine)


def test_spectral_ensemble_averages_members_and_member_zero_is_the_single_model():
    from dataclasses import replace
    def run(members):
        seed_everything(4)
        config = replace(tiny_config(), spectral_members=members)
        sampler = PatchSampler(sources(), config.grid, size=16, seed=4)
        stage = StageSettings(steps=2, batch=2)
        return build_model(config, sampler, stage, None, lambda m: None, seed=4)
    single, ensemble = run(1), run(3)
    members = ensemble.spectral.members
    assert len(members) == 3
    first = members[0].state_dict()
    assert all(torch.equal(first[k], v) for k, v in single.spectral.state_dict().items())
    assert not torch.equal(members[1].state_dict()["band_projection.weight"],
                           first["band_projection.weight"])  # each member has its own teacher
    x = torch.randn(1, tiny_config().bands, 9, 9)
    with torch.inference_mode():
        expected = torch.stack([m(x) for m in members]).mean(0)
        assert torch.allclose(ensemble.spectral(x), expected)
