"""`hsad train`: trains from a data folder and writes weights the detector loads."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
import scipy.io

from hsad.engine.errors import HsadError
from hsad.engine.methods.twobranch.training import driver, recipe
from hsad.engine.methods.twobranch.weights import load_weights
from support import scene_with_targets


def test_trains_and_writes_loadable_weights(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    background = tmp_path / "background"
    background.mkdir()
    cube, _ = scene_with_targets(rows=52, cols=52, targets=())
    scipy.io.savemat(background / "cube.mat", {"cube": cube})
    json.dump({"files": [{"file": "cube.mat", "role": "cube"}]},
              open(background / "manifest.json", "w"))
    small = recipe.Recipe(patch=24, stage1=recipe.StageSettings(2, batch=2))
    monkeypatch.setattr(recipe, "RECIPE", small)
    out = tmp_path / "weights"
    assert driver.main(["--background", str(background), "--out", str(out), "--quiet"]) == 0
    arrays, manifest = load_weights(str(out))
    assert "cube.mat" in " ".join(manifest["training_files"])
    assert manifest["training"]["seed"] == small.seed
    assert os.path.getsize(out / "training.log") > 0
    assert all(np.isfinite(a).all() for a in arrays.values() if a.dtype.kind == "f")


def test_without_data_it_says_so_in_one_line(tmp_path):
    with pytest.raises(HsadError, match="no training data"):
        driver.main(["--background", str(tmp_path / "none"), "--out", str(tmp_path / "w")])


def test_help_has_examples(capsys):
    with pytest.raises(SystemExit):
        driver.main(["--help"])
    assert "examples:" in capsys.readouterr().out
