"""The data folders load as documented (skipped where ../shared/data is absent)."""
import json
import os

import numpy as np
import pytest

from hsad.engine.methods.twobranch.training.data import (DEFAULT_BACKGROUND, DEFAULT_REAL,
                                                  load_background_cubes, load_real_cubes,
                                                  training_files)

needs_data = pytest.mark.skipif(
    not (os.path.isdir(DEFAULT_BACKGROUND) and os.path.isdir(DEFAULT_REAL)),
    reason="../shared/data is not available")


@needs_data
def test_background_cubes_match_the_manifest():
    manifest = json.load(open(os.path.join(DEFAULT_BACKGROUND, "manifest.json")))
    shapes = {e["file"]: tuple(e["shape_HWB"]) for e in manifest["files"] if e["role"] == "cube"}
    cubes = {c.name: c for c in load_background_cubes(DEFAULT_BACKGROUND)}
    for name in ("aviris/jasperRidge2_R198.mat", "aviris/Moffett_vca.mat", "samson/samson_1.mat"):
        assert cubes[name].cube.shape == shapes[name]
    assert cubes["aviris/jasperRidge2_R198.mat"].wavelengths_nm is not None
    assert cubes["aviris/Moffett_vca.mat"].wavelengths_nm is None
    enmap = cubes["enmap"]
    assert enmap.cube.shape[:2] == (192, 160) and 0.5 < enmap.valid.mean() < 0.7
    for cube in cubes.values():
        assert np.isfinite(cube.cube).all()


@needs_data
def test_real_cubes_have_no_truth_and_can_be_excluded():
    cubes = load_real_cubes(DEFAULT_REAL, exclude=("pavia-centre",))
    assert len(cubes) == 10 and all(c.group == "real" for c in cubes)
    assert not any(c.name == "pavia-centre" for c in cubes)
    files = training_files(cubes[:1])
    assert all(len(v) == 64 for v in files.values())
