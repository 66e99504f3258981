"""The doctor's weights check and report text, on weights folders made here."""
from __future__ import annotations

import json

import numpy as np

from hsad.engine.diagnostics import Check, format_report, report_dict, usable, weights_check
from hsad.engine.methods.twobranch.weights import save_weights


def _weights(folder, recorded=None):
    manifest = save_weights({"w": np.arange(6, dtype=np.float32)}, str(folder), {"config": {}})
    if recorded:
        manifest["weights_sha256"] = recorded
        (folder / "manifest.json").write_text(json.dumps(manifest))
    return manifest


def test_matching_weights_show_path_sha256_and_version(tmp_path):
    manifest = _weights(tmp_path / "w")
    check = weights_check(str(tmp_path / "w"))
    assert check.ok and manifest["weights_sha256"] in check.value
    assert manifest["model_version"] in check.value and "matches the manifest" in check.value


def test_altered_weights_are_flagged_with_the_fix(tmp_path):
    _weights(tmp_path / "w", recorded="0" * 64)
    check = weights_check(str(tmp_path / "w"))
    assert not check.ok and "does not match" in check.value and "hsad train" in check.fix


def test_absent_weights_are_reported_not_raised(tmp_path):
    check = weights_check(str(tmp_path / "nothing"))
    assert not check.ok and "not found" in check.value and "rx and lrx work" in check.value
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "manifest.json").write_text("{ not json")
    assert "unreadable" in weights_check(str(tmp_path / "bad")).value


def test_report_lists_each_missing_item_with_its_command():
    checks = [Check("numpy", "1.24"), Check("torch", "not importable", False, "pip install torch"),
              Check("gdal", "not importable", False, "apt-get install python3-gdal", True)]
    text = format_report(checks)
    assert "  torch: pip install torch" in text
    assert "  gdal (required): apt-get install python3-gdal" in text
    assert not usable(checks) and usable(checks[:2])
    assert [m["name"] for m in report_dict(checks)["missing"]] == ["torch", "gdal"]
    assert format_report(checks[:1]).splitlines()[-1].split() == ["missing", "nothing"]
