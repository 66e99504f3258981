"""The one PyTorch install command, right for the Python the user runs, on every platform."""
from __future__ import annotations

import pytest

from hsad.engine.install_hints import CPU_INDEX, PythonSetup, torch_install_command

NUMPY = "1.26.4"


def setup(platform, prefix, base=None, managed=False, version="3.12"):
    return PythonSetup(platform, prefix, base or prefix, version, NUMPY, managed)


@pytest.mark.parametrize("case, python, expected_parts", [
    ("debian system python (PEP 668): make setup's tested route, not Debian's torch 1.13",
     setup("linux", "/usr", managed=True),
     ["/usr/bin/python3 -m venv --system-site-packages ~/.local/share/hsad/venv && "
      "~/.local/share/hsad/venv/bin/python -m pip install torch==2.13.0", f"numpy=={NUMPY}",
      f"--index-url {CPU_INDEX}", "then start QGIS with PATH=~/.local/share/hsad/venv/bin:$PATH"]),
    ("a venv on linux", setup("linux", "/home/me/.venv", "/usr"),
     ["/home/me/.venv/bin/python3.12 -m pip install torch==2.13.0", f"numpy=={NUMPY}",
      f"--index-url {CPU_INDEX}", "--extra-index-url https://pypi.org/simple"]),
    ("linux python that is not externally managed", setup("linux", "/opt/python"),
     ["/opt/python/bin/python3.12 -m pip install torch", f"--index-url {CPU_INDEX}"]),
    ("QGIS on Windows (OSGeo4W)", setup("win32", r"C:\OSGeo4W\apps\Python312"),
     [r"C:\OSGeo4W\apps\Python312\python.exe -m pip install torch", f"numpy=={NUMPY}"]),
    ("QGIS on Windows, a path with spaces", setup("win32", r"C:\Program Files\QGIS 3.40\apps\Python312"),
     [r'"C:\Program Files\QGIS 3.40\apps\Python312\python.exe" -m pip install torch']),
    ("QGIS.app on macOS",
     setup("darwin", "/Applications/QGIS-LTR.app/Contents/Frameworks/Python.framework/Versions/3.9",
           version="3.9"),
     ["/Applications/QGIS-LTR.app/Contents/Frameworks/Python.framework/Versions/3.9/bin/python3.9"
      " -m pip install torch"]),
])
def test_the_command_fits_the_platform_and_the_interpreter(case, python, expected_parts):
    command = torch_install_command(python)
    for part in expected_parts:
        assert part in command, (case, command)
    assert "qgis-bin" not in command and "\n" not in command
    assert "python3-torch" not in command  # Debian's torch 1.13 was never tested with hsad
    assert "install torch==2.13.0" in command  # the version make setup installs and tests run


def test_the_gpu_build_leaves_the_cpu_index_out():
    assert CPU_INDEX not in torch_install_command(setup("linux", "/opt/py"), gpu=True)


def test_the_interpreter_is_derived_from_the_prefix_not_the_executable(monkeypatch):
    """Inside QGIS sys.executable is QGIS itself (qgis-bin.exe, or a python3 shim on PATH)."""
    import sys
    monkeypatch.setattr(sys, "executable", r"C:\OSGeo4W\bin\qgis-bin.exe")
    command = torch_install_command(PythonSetup.current())
    assert "qgis-bin" not in command and (sys.prefix in command or "venv" in command)
