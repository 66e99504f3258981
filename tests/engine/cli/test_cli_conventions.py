"""What every `hsad` command shares: --help with examples, exit codes, one-line errors (traceback
only with -v), JSON on stdout, and a progress bar only on a terminal and never with -q."""
from __future__ import annotations

import fcntl
import importlib.util
import json
import os
import pty
import struct
import subprocess
import termios

import pytest

from support import hsad_command, run_hsad, scene_with_targets, write_cube

COMMANDS = ["detect", "batch", "evaluate", "info", "doctor"]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_examples(command):
    done = run_hsad([command, "--help"])
    assert done.returncode == 0
    assert f"usage: hsad {command}" in done.stdout and "example" in done.stdout


def test_top_level_help_lists_every_command_and_bad_usage_exits_2():
    done = run_hsad(["--help"])
    assert done.returncode == 0
    for command in COMMANDS + ["train"]:
        assert command in done.stdout
    assert run_hsad([]).returncode == 2
    unknown = run_hsad(["frobnicate"])
    assert unknown.returncode == 2 and "invalid choice" in unknown.stderr


def test_train_help_is_the_trainers_own():
    done = run_hsad(["train", "--help"])
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout and "--seed" in done.stdout


@pytest.fixture
def scene(tmp_path):
    cube, _ = scene_with_targets(rows=30, cols=26, bands=14, targets=((4, 5), (20, 17)))
    return write_cube(tmp_path / "scene.bsq", cube, driver="ENVI")


@pytest.mark.parametrize("option, value, message", [
    ("--tile-size", "0", "argument --tile-size"), ("--inner", "-3", "--inner"),
    ("--inner", "4", "must be odd"), ("--outer", "x", "argument --outer")])
def test_invalid_numbers_are_usage_errors(tmp_path, scene, option, value, message):
    done = run_hsad(["detect", scene, "-o", tmp_path / "o.tif", "--method", "lrx", option, value])
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "o.tif").exists()


def test_traceback_only_with_verbose(tmp_path):
    args = ["detect", tmp_path / "missing.bsq", "-o", tmp_path / "o.tif", "--method", "rx"]
    plain = run_hsad(args)
    assert plain.returncode == 2
    assert plain.stderr.strip() == f"hsad: error: {tmp_path / 'missing.bsq'}: file not found"
    verbose = run_hsad(args + ["-v"])
    assert verbose.returncode == 2 and "Traceback" in verbose.stderr
    assert verbose.stderr.strip().splitlines()[-1] == plain.stderr.strip()


def test_detect_json_on_stdout(tmp_path, scene):
    done = run_hsad(["detect", scene, "-o", tmp_path / "o.tif", "--method", "rx", "--json", "-"])
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["method"] == "rx" and result["output"] == str(tmp_path / "o.tif")
    assert result["summary"]["valid_pixels"] == 30 * 26


def _stderr_on_a_terminal(args) -> str:
    """Run hsad with stderr on a pseudo-terminal; return what it drew there."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))  # 100 columns
    process = subprocess.Popen(hsad_command() + [str(a) for a in args], stdout=subprocess.PIPE,
                               stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(master)
    assert process.returncode == 0
    return b"".join(chunks).decode(errors="replace")


@pytest.mark.parametrize("command", ["detect", "batch"])
def test_progress_bar_on_a_terminal_only_and_not_with_quiet(tmp_path, scene, command):
    target = tmp_path / ("o.tif" if command == "detect" else "out")
    source = scene if command == "detect" else tmp_path
    args = [command, source, "-o", target, "--method", "rx", "--overwrite"]
    assert "%|" in _stderr_on_a_terminal(args)
    assert "%|" not in _stderr_on_a_terminal(args + ["-q"])
    piped = run_hsad(args)
    assert piped.returncode == 0 and "%|" not in piped.stderr
