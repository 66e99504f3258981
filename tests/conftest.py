"""Fixtures shared by every test; the helpers behind them are in support.py."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import QGIS_PROCESS, qgis_env, run_qgis_process, scene_with_targets  # noqa: E402


@pytest.fixture
def cube_and_truth():
    """(cube, truth): a small scene with three implanted anomalous pixels."""
    return scene_with_targets()


@pytest.fixture
def qgis_process_env(tmp_path):
    """A qgis_process environment with hsad enabled in a fresh, throwaway profile."""
    if not os.path.exists(QGIS_PROCESS):
        pytest.skip("qgis_process.bin is not installed")
    env = qgis_env(tmp_path)
    done = run_qgis_process(["plugins", "enable", "hsad"], env)
    assert done.returncode == 0, done.stdout + done.stderr
    return env


@pytest.fixture(autouse=True, scope="session")
def collect_garbage_before_qgis_exits(qgis_app):
    """Free leftover QGIS and GDAL objects while QGIS is still up (pytest-qgis's qgis_app calls
    exitQgis() after this): pytest >= 8.4 collects garbage in pytest_unconfigure, after
    exitQgis(), and that segfaulted on QGIS 3.44 (Debian unstable, pytest 9.1)."""
    yield
    import gc
    gc.collect()
