"""The lab's one driver runs an experiment through the product's pipeline and records it."""
from __future__ import annotations

import json

import scipy.io

from hsad.research.__main__ import main
from support import scene_with_targets


def test_fusions_on_labelled_scenes_writes_its_results(tmp_path, capsys):
    real = tmp_path / "real"
    real.mkdir()
    for seed in range(2):
        cube, truth = scene_with_targets(seed=seed)
        scipy.io.savemat(real / f"scene-{seed}.mat", {"data": cube, "map": truth.astype("uint8")})
    out = tmp_path / "fusions.json"
    assert main(["fusions", "--real", str(real), "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["command"].startswith("python -m hsad.research fusions")
    assert set(result["table"]["rx"]) == {"scene-0", "scene-1"}
    assert all(0.5 < v <= 1.0 for v in result["table"]["additive"].values())
    assert "| additive |" in capsys.readouterr().out


def test_an_empty_folder_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["fusions", "--real", str(tmp_path), "--json", str(tmp_path / "o.json")]) == 2
    assert "no labelled scenes" in capsys.readouterr().err
    assert not (tmp_path / "o.json").exists()


def test_compare_scores_the_shipped_model_and_its_earlier_scores(tmp_path, capsys):
    real = tmp_path / "real"
    real.mkdir()
    cube, truth = scene_with_targets(seed=3)
    scipy.io.savemat(real / "scene.mat", {"data": cube, "map": truth.astype("uint8")})
    out = tmp_path / "compare.json"
    assert main(["compare", "--real", str(real), "--json", str(out), "--ferd",
                 str(tmp_path / "absent"), "--work", str(tmp_path / "work")]) == 0
    table = json.loads(out.read_text())["table"]
    assert set(table) == {"RX (own bands)", "hsad v1 score (0.1)", "hsad v2 score (0.2)",
                          "hsad (shipped)"}
    assert all(0.5 < row["scene"] <= 1.0 for row in table.values())
    from hsad.engine.methods.twobranch.weights import read_manifest
    configs = sorted((c["native_rx_weight"], c["fused_loading"], c["score_filter"],
                      c["score_filter_form"])
                     for c in (read_manifest(str(folder))["config"]
                               for folder in (tmp_path / "work").iterdir()))
    assert configs == [(1.0, 0.01, 0.25, "additive"), (2.0, 0.0, 0.0, "additive")]
    shipped = read_manifest()["config"]
    assert (shipped["score_filter"], shipped["score_filter_form"]) == (0.5, "lift")
    assert "| hsad (shipped) |" in capsys.readouterr().out
