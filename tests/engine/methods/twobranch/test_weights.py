"""Weights: a numpy archive + manifest, sha256-checked, no pickles, one-line errors when broken."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile

import numpy as np
import pytest

from hsad.engine.errors import DependencyError
from hsad.engine.methods.twobranch.detector import TwoBranchDetector
from hsad.engine.methods.twobranch.weights import (ARCHIVE, MANIFEST, WEIGHTS_DIR, load_weights,
                                            read_manifest, save_weights, weights_problem,
                                            write_archive)
from support import random_arrays, tiny_config, tiny_weights_folder


@pytest.fixture
def tiny_weights(tmp_path):
    return tiny_weights_folder(tmp_path / "weights")


def test_round_trip(tiny_weights):
    arrays, manifest = load_weights(tiny_weights)
    expected = random_arrays(tiny_config())
    assert sorted(arrays) == sorted(expected)
    assert all(np.array_equal(arrays[k], expected[k]) for k in arrays)
    from hsad.engine.methods.twobranch.config import ModelConfig
    assert ModelConfig.from_dict(manifest["config"]) == tiny_config()


def test_the_archive_is_byte_for_byte_reproducible(tmp_path):
    arrays = random_arrays(tiny_config())
    write_archive(str(tmp_path / "a.npz"), arrays)
    write_archive(str(tmp_path / "b.npz"), dict(reversed(list(arrays.items()))))
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


def test_corrupted_copy_fails_the_sha256_check(tiny_weights, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(tiny_weights, copy)
    path = copy / ARCHIVE
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(DependencyError, match="sha256"):
        TwoBranchDetector(device="cpu", weights=str(copy))
    assert "sha256" in weights_problem(str(copy))


def test_a_pickled_object_in_the_archive_is_refused_not_run(tmp_path):
    """An archive with an object array (what a pickle payload needs) never unpickles."""
    folder = tmp_path / "evil"
    folder.mkdir()
    with zipfile.ZipFile(folder / ARCHIVE, "w") as archive:
        with archive.open("payload.npy", "w") as member:
            np.lib.format.write_array(member, np.array([{"boom": 1}], dtype=object),
                                      allow_pickle=True)
    digest = hashlib.sha256((folder / ARCHIVE).read_bytes()).hexdigest()
    manifest = read_manifest(tiny_weights_folder(tmp_path / "good"))
    manifest["weights_sha256"] = digest
    (folder / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(DependencyError, match="cannot load the model weights"):
        load_weights(str(folder))


@pytest.mark.parametrize("change, message", [
    (lambda folder: os.remove(os.path.join(folder, ARCHIVE)), "not found"),
    (lambda folder: os.remove(os.path.join(folder, MANIFEST)), "manifest not found"),
    (lambda folder: _edit(folder, architecture="something-else"), "something-else"),
    (lambda folder: _edit(folder, architecture_version=99), "version 99, this hsad reads versions 2, 3"),
    (lambda folder: open(os.path.join(folder, MANIFEST), "w").write("{ not json"), "unreadable")])
def test_broken_weights_are_one_line_errors(tiny_weights, change, message):
    change(tiny_weights)
    with pytest.raises(DependencyError, match=message) as info:
        load_weights(tiny_weights)
    assert "\n" not in str(info.value) and message in weights_problem(tiny_weights)


def test_version_2_weights_still_load_and_score_with_their_additive_filter(tiny_weights):
    """hsad 0.2 wrote architecture version 2 with no filter form: it reads as the additive
    filter those weights were made with, so a user's own trained weights keep their scores."""
    path = os.path.join(tiny_weights, MANIFEST)
    manifest = json.load(open(path))
    config = {k: v for k, v in manifest["config"].items() if k != "score_filter_form"}
    _edit(tiny_weights, architecture_version=2, config={**config, "score_filter": 0.25})
    detector = TwoBranchDetector(device="cpu", weights=tiny_weights)
    assert (detector.config.score_filter, detector.config.score_filter_form) == (0.25, "additive")


def test_an_unknown_filter_form_is_a_one_line_error(tiny_weights):
    from hsad.engine.errors import HsadError
    manifest = json.load(open(os.path.join(tiny_weights, MANIFEST)))
    _edit(tiny_weights, config={**manifest["config"], "score_filter_form": "median"})
    with pytest.raises(HsadError, match="unknown score filter form 'median'") as info:
        TwoBranchDetector(device="cpu", weights=tiny_weights)
    assert "\n" not in str(info.value)


def _edit(folder, **changes):
    path = os.path.join(folder, MANIFEST)
    manifest = json.load(open(path))
    manifest.update(changes)
    json.dump(manifest, open(path, "w"))


def test_saving_replaces_the_previous_weights_whole(tmp_path):
    folder = tmp_path / "w"
    first = save_weights({"a": np.zeros(3, np.float32)}, str(folder), {"config": {}})
    second = save_weights({"a": np.ones(3, np.float32)}, str(folder), {"config": {}})
    assert first["weights_sha256"] != second["weights_sha256"]
    assert read_manifest(str(folder))["weights_sha256"] == second["weights_sha256"]
    assert sorted(os.listdir(folder)) == [MANIFEST, ARCHIVE]


def test_shipped_weights_are_small_checked_and_documented():
    arrays, manifest = load_weights()
    assert os.path.getsize(os.path.join(WEIGHTS_DIR, ARCHIVE)) < 1024 * 1024
    for key in ("architecture", "architecture_version", "config", "weights_sha256",
                "training_files", "training", "metrics"):
        assert key in manifest
    assert manifest["training"]["command"].startswith("hsad train")
    assert all(len(digest) == 64 for digest in manifest["training_files"].values())
    assert not any(name.endswith(".pt") for name in os.listdir(WEIGHTS_DIR))


def test_shipped_weights_load_with_the_default_detector():
    assert TwoBranchDetector(device="cpu").model_version == read_manifest()["model_version"]
