"""Weights: plain state_dict + manifest, sha256-checked, one-line errors when broken."""
import json
import os
import shutil

import pytest
import torch

from hsad.engine.errors import DependencyError
from hsad.models.detector import load_detector
from hsad.models.weights_io import MANIFEST, WEIGHTS_DIR, load_weights, read_manifest


def test_round_trip(tiny_weights):
    model, manifest = load_weights(tiny_weights)
    state = torch.load(os.path.join(tiny_weights, manifest["weights_file"]), weights_only=True)
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key])
    assert manifest["note"] == "test"


def test_corrupted_copy_fails_the_sha256_check(tiny_weights, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(tiny_weights, copy)
    path = copy / read_manifest(str(copy))["weights_file"]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(DependencyError, match="sha256"):
        load_detector(device="cpu", weights=str(copy))


def test_missing_weights_file(tiny_weights):
    os.remove(os.path.join(tiny_weights, read_manifest(tiny_weights)["weights_file"]))
    with pytest.raises(DependencyError, match="not found"):
        load_weights(tiny_weights)


def test_missing_manifest(tmp_path):
    with pytest.raises(DependencyError, match="manifest"):
        load_weights(str(tmp_path))


def test_wrong_architecture(tiny_weights):
    path = os.path.join(tiny_weights, MANIFEST)
    manifest = json.load(open(path))
    manifest["architecture"] = "something-else"
    json.dump(manifest, open(path, "w"))
    with pytest.raises(DependencyError, match="something-else"):
        load_weights(tiny_weights)


def test_weights_of_another_architecture_version_say_which(tiny_weights):
    path = os.path.join(tiny_weights, MANIFEST)
    manifest = json.load(open(path))
    manifest["architecture_version"] = 99
    json.dump(manifest, open(path, "w"))
    with pytest.raises(DependencyError, match="version 99, this hsad runs version"):
        load_weights(tiny_weights)


def test_error_messages_are_one_line(tiny_weights):
    os.remove(os.path.join(tiny_weights, read_manifest(tiny_weights)["weights_file"]))
    with pytest.raises(DependencyError) as info:
        load_weights(tiny_weights)
    assert "\n" not in str(info.value)


shipped = pytest.mark.skipif(not os.path.isfile(os.path.join(WEIGHTS_DIR, MANIFEST)),
                             reason="no shipped weights yet")


@shipped
def test_shipped_weights_are_small_checked_and_documented():
    model, manifest = load_weights()
    size = os.path.getsize(os.path.join(WEIGHTS_DIR, manifest["weights_file"]))
    assert size < 10 * 1024 * 1024
    for key in ("architecture", "architecture_version", "config", "weights_sha256",
                "training_files", "training", "cross_validation"):
        assert key in manifest
    assert manifest["training"]["command"].startswith("python -m hsad.models.training")
    assert all(len(digest) == 64 for digest in manifest["training_files"].values())


@shipped
def test_shipped_weights_load_with_the_default_detector():
    detector = load_detector(device="cpu")
    assert detector.model_version == read_manifest()["model_version"]


@shipped
def test_shipped_weights_tile_exactly():
    import numpy as np
    from .conftest import synthetic_cube
    from .test_detector import run
    cube, _ = synthetic_cube(rows=70, cols=61, bands=50)
    whole = run(load_detector(device="cpu"), cube, 100000)
    tiled = run(load_detector(device="cpu"), cube, 24)
    np.testing.assert_allclose(tiled, whole, rtol=2e-4, atol=1e-4 * np.abs(whole).max())


@shipped
def test_shipped_weights_reproduce_their_cross_validated_auc():
    """The shipped model is the cross-validated one: same AUC as recorded in its manifest."""
    from hsad.models.evaluation import evaluate_model, labelled_scenes
    from .conftest import DEFAULT_REAL
    if not os.path.isdir(DEFAULT_REAL):
        pytest.skip("../shared/data is not available")
    model, manifest = load_weights()
    recorded = manifest["cross_validation"]["candidates"]["context-fixed"]["table"]
    scenes = labelled_scenes(DEFAULT_REAL)
    name = "pavia-centre"
    table = evaluate_model(model, {name: scenes[name]}, fusions=(manifest["config"]["fusion"],))
    fusion = manifest["config"]["fusion"]
    assert table[fusion][name] == pytest.approx(recorded[fusion][name], abs=1e-6)
