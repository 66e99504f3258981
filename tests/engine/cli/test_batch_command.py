"""`hsad batch` as users run it: a subprocess on GDAL-written folders, killed and resumed."""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import time

import pytest

from support import dead_pid, hsad_command, partial_path, run_hsad, scene_with_targets, write_cube


def _folder(root, count, rows=24, cols=20, bands=12):
    root.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        cube, _ = scene_with_targets(rows=rows, cols=cols, bands=bands, seed=i,
                                     targets=((3, 4), (rows - 5, cols - 3)))
        write_cube(root / f"scene{i}.bsq", cube, driver="ENVI")
    return root


def _outputs(out):
    """Score rasters in place (not the hidden temporary files of a write in progress)."""
    return sorted(str(p.relative_to(out)) for p in out.rglob("*.tif") if not p.name.startswith("."))


def _identity(out):
    """(inode, mtime) of every score raster: a rewrite (temp file + rename) changes both."""
    return {name: (os.stat(out / name).st_ino, os.stat(out / name).st_mtime_ns)
            for name in _outputs(out)}


def _summary(out):
    return {s["scene"]: s for s in json.load(open(out / "summary.json"))["scenes"]}


def test_batch_scores_a_tree_and_a_rerun_computes_nothing(tmp_path):
    src, out = _folder(tmp_path / "flights", 2), tmp_path / "scores"
    _folder(src / "day2", 1)
    done = run_hsad(["batch", src, "-o", out, "--method", "rx", "--recursive"])
    assert done.returncode == 0, done.stderr
    assert _outputs(out) == ["day2/scene0_rx.tif", "scene0_rx.tif", "scene1_rx.tif"]
    assert (out / "day2" / "scene0_rx.qml").exists()
    assert "3 done" in done.stderr
    first = _identity(out)
    again = run_hsad(["batch", src, "-o", out, "--method", "rx", "--recursive", "--json", "-"])
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["counts"] == {"done": 0, "skipped": 3, "failed": 0, "cancelled": 0}
    assert _identity(out) == first
    rows = list(csv.DictReader(open(out / "summary.csv")))
    assert {r["scene"]: r["status"] for r in rows} == {
        "day2/scene0.bsq": "skipped", "scene0.bsq": "skipped", "scene1.bsq": "skipped"}
    assert all(float(r["p99_9"]) > float(r["p50"]) for r in rows)


def test_a_failing_scene_does_not_stop_the_others_and_sets_exit_code_1(tmp_path):
    src, out = _folder(tmp_path / "in", 2), tmp_path / "out"
    (src / "scene0b.bsq").write_bytes(b"\0" * 10)  # no header: GDAL cannot read it
    done = run_hsad(["batch", src, "-o", out, "--method", "rx", "--pattern", "*.bsq"])
    assert done.returncode == 1
    assert _outputs(out) == ["scene0_rx.tif", "scene1_rx.tif"]
    failures = [line for line in done.stderr.splitlines() if "failed:" in line]
    assert len(failures) == 1 and "scene0b.bsq" in failures[0]
    assert "Traceback" not in done.stderr
    summary = _summary(out)
    assert summary["scene0b.bsq"]["status"] == "failed"
    assert "scene0b.bsq" in summary["scene0b.bsq"]["error"]
    quiet = run_hsad(["batch", src, "-o", out, "--method", "rx", "--pattern", "*.bsq", "-q"])
    assert quiet.returncode == 1
    assert quiet.stderr.strip().count("\n") == 0 and "scene0b.bsq: failed" in quiet.stderr


def _start_and_stop(args, out, after_outputs, sig):
    """Start a batch, wait until ``after_outputs`` scores exist, then send ``sig``."""
    process = subprocess.Popen(hsad_command() + [str(a) for a in args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while (not out.exists() or len(_outputs(out)) < after_outputs) and process.poll() is None:
        assert time.monotonic() < deadline, "the batch made no progress"
        time.sleep(0.01)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=60)
    return process.returncode, stderr


# Six scenes of about a second each (local RX), so that there is time to interrupt in the
# middle even when the machine is busy with other tests.
SLOW = ["--method", "lrx", "--inner", "3", "--outer", "11"]
SLOW_SCENE = dict(rows=300, cols=240, bands=16)


def _resume_computes_only_the_missing(args, out, survived):
    """Rerun an interrupted batch: survivors untouched and skipped, the rest computed once."""
    partial_path(out / "scene5_lrx.tif", dead_pid()).write_bytes(b"")  # as a kill -9 leaves it
    rerun = run_hsad(args + ["-v"])
    assert rerun.returncode == 0, rerun.stderr
    assert len(_outputs(out)) == 6
    after = _identity(out)
    assert {k: after[k] for k in survived} == survived  # not one survivor was rewritten
    status = {k: s["status"] for k, s in _summary(out).items()}
    survivors = {f"{k[:-len('_lrx.tif')]}.bsq" for k in survived}
    assert {k for k, v in status.items() if v == "skipped"} == survivors
    assert {k for k, v in status.items() if v == "done"} == set(status) - survivors
    assert not [p for p in out.iterdir() if "partial" in p.name]
    check = run_hsad(args + ["--json", "-"])  # every output complete and valid: all skipped
    assert json.loads(check.stdout)["counts"]["skipped"] == 6


@pytest.mark.slow
def test_kill_9_midway_then_rerun_finishes_only_what_is_missing(tmp_path):
    src, out = _folder(tmp_path / "in", 6, **SLOW_SCENE), tmp_path / "out"
    args = ["batch", src, "-o", out] + SLOW
    code, _ = _start_and_stop(args, out, 2, signal.SIGKILL)
    assert code == -signal.SIGKILL
    survived = _identity(out)
    assert 2 <= len(survived) < 6 and not (out / "summary.json").exists()
    _resume_computes_only_the_missing(args, out, survived)


@pytest.mark.slow
def test_ctrl_c_exits_130_with_a_summary_and_no_partial_file(tmp_path):
    src, out = _folder(tmp_path / "in", 6, **SLOW_SCENE), tmp_path / "out"
    args = ["batch", src, "-o", out] + SLOW
    code, stderr = _start_and_stop(args, out, 1, signal.SIGINT)
    assert code == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    survived = _identity(out)
    status = {k: s["status"] for k, s in _summary(out).items()}
    done = {k for k, v in status.items() if v == "done"}
    assert done <= {f"{k[:-len('_lrx.tif')]}.bsq" for k in survived}
    assert set(status.values()) <= {"done", "cancelled"} and len(survived) < 6
    _resume_computes_only_the_missing(args, out, survived)


@pytest.mark.parametrize("args, message", [
    (["{missing}", "-o", "{out}"], "folder not found"),
    (["{empty}", "-o", "{out}"], "no file matches"),
    (["{src}", "-o", "{out}", "--pattern", "*.nothing"], "no file matches '*.nothing'"),
    (["{src}", "-o", "{out}", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "--workers"),
    (["{src}", "-o", "{out}", "--workers", "0"], "--workers: 0 is not at least 1"),
    (["{src}", "-o", "{out}", "--bands", "1-x"], "--bands"),
])
def test_bad_usage_and_bad_input_exit_2_with_one_line(tmp_path, args, message):
    paths = {"missing": tmp_path / "missing", "empty": tmp_path / "empty",
             "src": _folder(tmp_path / "src", 1), "out": tmp_path / "out"}
    paths["empty"].mkdir()
    done = run_hsad(["batch"] + [a.format(**paths) for a in args] + ["--method", "rx"])
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_without_torch_the_default_runs_and_a_torch_method_is_one_error_before_any_scene(
        tmp_path):
    src = _folder(tmp_path / "in", 3)
    (tmp_path / "shadow").mkdir()
    (tmp_path / "shadow" / "torch.py").write_text("raise ImportError('hidden by the test')\n")
    (tmp_path / "fen").mkdir()
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "shadow"))
    done = run_hsad(["batch", src, "-o", tmp_path / "out", "-q"], env=env)
    assert done.returncode == 0, done.stderr
    assert len(_outputs(tmp_path / "out")) == 3
    done = run_hsad(["batch", src, "-o", tmp_path / "out2", "--method", "ferd",
                     "--fen-weights", tmp_path / "fen"], env=env)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "PyTorch" in done.stderr
    assert "pip install torch" in done.stderr or "apt install python3-torch" in done.stderr
    assert not (tmp_path / "out2").exists()


@pytest.mark.slow
def test_two_batches_on_one_output_folder_score_each_scene_once(tmp_path):
    """A second batch started while the first runs leaves the first's scenes to it.

    Ten scenes of a fraction of a second: the first batch is still running when the second,
    started once the first holds a lock, has imported hsad and reached its scenes."""
    src, out = _folder(tmp_path / "in", 10, **SLOW_SCENE), tmp_path / "out"
    args = [str(a) for a in ["batch", src, "-o", out] + SLOW + ["--json", "-"]]
    first = subprocess.Popen(hsad_command() + args, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(out.glob(".*.hsad-lock")) and first.poll() is None:
        assert time.monotonic() < deadline, "the first batch never started a scene"
        time.sleep(0.01)
    second = run_hsad(args)
    first_out, first_err = first.communicate(timeout=300)
    reports = [json.loads(first_out), json.loads(second.stdout)]
    done = [s["scene"] for r in reports for s in r["scenes"] if s["status"] == "done"]
    assert sorted(done) == sorted(set(done))  # no scene scored by both
    busy = [s for s in reports[1]["scenes"] if s["status"] == "failed"]
    assert busy and all("being scored by another batch" in s["error"] for s in busy)
    assert second.returncode == 1 and first.returncode in (0, 1), first_err
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # no lock, no partial
    again = run_hsad(args)  # whatever the second batch left to the first is complete now
    assert again.returncode == 0, again.stderr
    counts = json.loads(again.stdout)["counts"]
    assert counts["skipped"] + counts["done"] == 10 and counts["failed"] == 0
