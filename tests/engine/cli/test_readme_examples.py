"""The README's command-line examples ("Run it"), run as written on generated data.

Each `.venv/bin/hsad` line is a test case; the Dask cluster example starts its scheduler and
worker with the README's own commands (on a free port instead of 8786) and must give the same
scores as a serial run. Examples of the pretrained detector skip while its weights are absent.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shlex
import signal
import socket
import subprocess
import sys

import numpy as np
import pytest
import scipy.io
from osgeo import gdal

from support import REPO, VENV_BIN, run_hsad

README = REPO / "README.md"
CLUSTER_COMMANDS = ("distributed.cli.dask_scheduler", "distributed.cli.dask_worker")


def readme_commands() -> list:
    """Every `.venv/bin/...` command line in the README's "Run it" section, comments removed."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Run it", 1)[1].split("\n## ", 1)[0]
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", section, flags=re.S):
        for line in block.splitlines():
            if line.startswith(".venv/bin/"):
                lines.append(" ".join(shlex.split(line, comments=True)))
    return lines


def _needs_pretrained(args: list) -> bool:
    if args[0] not in ("detect", "batch", "evaluate"):
        return False
    return "twobranch" in args or "--method" not in args


def _pretrained_available() -> bool:
    from hsad.engine.diagnostics import weights_check
    return importlib.util.find_spec("torch") is not None and weights_check().ok


def _example_data(folder):
    """What `make demo` writes into build/demo/ and the examples name: scene.bsq, its truth
    scene_truth.tif and the same as scene.mat (small here, the demo's own generator)."""
    from hsad.engine.synthetic import make_scene, write_envi, write_truth
    demo = folder / "build" / "demo"
    demo.mkdir(parents=True)
    scene = make_scene(40, 36, bands=24, targets=4, seed=3)
    write_envi(str(demo / "scene.bsq"), scene)
    write_truth(str(demo / "scene_truth.tif"), scene)
    scipy.io.savemat(demo / "scene.mat", {"data": scene.cube, "map": scene.truth.astype(np.uint8)})


def _made_beside(args: list, folder) -> None:
    """A file an example reads that the example above it writes (hsad threshold reads the score
    of hsad detect): made by that command, as a reader pasting them in order makes it."""
    if args[0] == "threshold":
        done = run_hsad(["detect", "build/demo/scene.bsq", "-o", args[1], "--method", "rx"],
                        cwd=folder)
        assert done.returncode == 0, done.stderr


HSAD_EXAMPLES = [c for c in readme_commands() if c.startswith(".venv/bin/hsad ")]


def test_readme_has_the_examples_this_module_runs():
    commands = readme_commands()
    assert {shlex.split(c)[1] for c in HSAD_EXAMPLES} >= {"detect", "threshold", "info",
                                                          "evaluate", "batch", "doctor"}
    detects = [c for c in HSAD_EXAMPLES if shlex.split(c)[1] == "detect"]
    for command in HSAD_EXAMPLES:  # a threshold example reads what a detect example writes
        if shlex.split(command)[1] == "threshold":
            assert any(f"-o {shlex.split(command)[2]}" in d for d in detects), command
    assert all(any(name in c for c in commands) for name in CLUSTER_COMMANDS)


@pytest.mark.parametrize("command", [c for c in HSAD_EXAMPLES if "--scheduler" not in c])
def test_readme_example_runs(tmp_path, command):
    args = shlex.split(command)[1:]
    if _needs_pretrained(args) and not _pretrained_available():
        pytest.skip("the pretrained detector's weights are not installed yet")
    _example_data(tmp_path)
    _made_beside(args, tmp_path)
    done = run_hsad(args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    if "-o" in args:
        target = tmp_path / args[args.index("-o") + 1]
        assert (target / "summary.json").exists() if args[0] == "batch" else target.exists()
    if args[0] == "doctor":
        assert done.stdout.startswith("hsad doctor report")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _readme_cluster(port: int, cwd) -> list:
    """Start the README's scheduler and worker commands (the port replaced); return them."""
    python = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
    started = []
    for command in readme_commands():
        if not any(name in command for name in CLUSTER_COMMANDS):
            continue
        args = shlex.split(command.replace("8786", str(port)).rstrip("&"))
        started.append(subprocess.Popen([python] + args[1:], cwd=cwd, start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return started


def _stop(processes: list) -> None:
    for process in reversed(processes):  # the worker and its nannies first, then the scheduler
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass


@pytest.mark.slow
def test_readme_dask_cluster_example_equals_the_serial_run(tmp_path):
    (example,) = [c for c in HSAD_EXAMPLES if "--scheduler" in c]
    _example_data(tmp_path)
    port = _free_port()
    cluster = _readme_cluster(port, tmp_path)
    try:
        args = shlex.split(example.replace("8786", str(port)))[1:]
        done = run_hsad(args, cwd=tmp_path, timeout=180)
    finally:
        _stop(cluster)
    assert done.returncode == 0, done.stderr
    out = tmp_path / args[args.index("-o") + 1]
    serial = run_hsad(["batch", "build/demo", "-o", "serial", "--pattern", "*.bsq", "--method",
                       "rx"], cwd=tmp_path)
    assert serial.returncode == 0, serial.stderr
    names = sorted(p.name for p in (tmp_path / "serial").glob("*.tif"))
    assert names == sorted(p.name for p in out.glob("*.tif")) and len(names) >= 1
    for name in names:
        np.testing.assert_array_equal(_scores(out / name), _scores(tmp_path / "serial" / name))


def _scores(path):
    ds = gdal.Open(str(path))
    return ds.GetRasterBand(1).ReadAsArray()
