"""How to install PyTorch into the Python that runs hsad: one function, right on every platform.

Only training and the GPU path need PyTorch; the default detector runs on numpy. When torch is
asked for and missing, the message must be a command that works where the user is:

* inside QGIS, ``sys.executable`` is not the interpreter (it is ``qgis-bin.exe`` on Windows, and
  whatever ``python3`` was first on PATH on Linux), so the interpreter is derived from
  ``sys.prefix`` (the environment QGIS's Python runs in; a venv's own ``bin``);
* a Debian or Ubuntu system Python refuses ``pip install`` (PEP 668, "externally-managed-
  environment"). Debian's own ``python3-torch`` (1.13 on Debian 12) was never tested with hsad;
  what was is ``make setup``'s route: a venv on the system Python with its packages
  (``--system-site-packages``, so QGIS's numpy and GDAL stay), torch from PyTorch's CPU wheels,
  and QGIS started with that venv first on PATH (its Python then sees torch);
* the torch version is the one ``make setup`` installs and the tests run
  (:data:`TORCH_REQUIREMENT`);
* pip's default torch wheel on Linux is the CUDA build (gigabytes): the CPU wheel index is named;
* numpy is pinned to the version running now, so pip cannot replace the numpy QGIS and GDAL
  were built against.
"""
from __future__ import annotations

import os
import sys
import sysconfig
from dataclasses import dataclass
from typing import Optional

CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# The PyTorch that `make setup` installs and `hsad train` reproduces the shipped weights with.
TORCH_REQUIREMENT = "torch==2.13.0"
# Where the command for a Debian system Python puts the venv that holds torch.
DEBIAN_VENV = "~/.local/share/hsad/venv"


@dataclass(frozen=True)
class PythonSetup:
    """What decides the install command: the platform and the running interpreter's layout."""

    platform: str  # sys.platform
    prefix: str  # sys.prefix
    base_prefix: str  # sys.base_prefix (differs from prefix inside a venv)
    version: str  # "3.11"
    numpy: Optional[str]  # the numpy version imported now
    externally_managed: bool  # the stdlib folder holds EXTERNALLY-MANAGED (PEP 668)

    @classmethod
    def current(cls) -> "PythonSetup":
        try:
            import numpy
            numpy_version: Optional[str] = numpy.__version__
        except ImportError:
            numpy_version = None
        stdlib = sysconfig.get_paths().get("stdlib", "")
        managed = bool(stdlib) and os.path.isfile(os.path.join(stdlib, "EXTERNALLY-MANAGED"))
        return cls(sys.platform, sys.prefix, sys.base_prefix,
                   f"{sys.version_info[0]}.{sys.version_info[1]}", numpy_version, managed)

    @property
    def in_venv(self) -> bool:
        return os.path.normpath(self.prefix) != os.path.normpath(self.base_prefix)

    @property
    def interpreter(self) -> str:
        """The Python executable of this environment (never QGIS's own executable)."""
        if self.platform.startswith("win"):
            return _join(self.platform, self.prefix, "python.exe")
        return _join(self.platform, self.prefix, "bin", f"python{self.version}")

    @property
    def debian_system_python(self) -> bool:
        return (self.platform.startswith("linux") and not self.in_venv
                and os.path.normpath(self.prefix) == "/usr" and self.externally_managed)


def torch_install_command(setup: Optional[PythonSetup] = None, gpu: bool = False) -> str:
    """The one command that installs PyTorch for the Python described by ``setup``."""
    setup = setup or PythonSetup.current()
    index = "" if gpu else f" --index-url {CPU_INDEX}"
    # pip needs PyPI for the numpy pin when the index is PyTorch's own
    extra = " --extra-index-url https://pypi.org/simple" if index else ""
    pin = f" numpy=={setup.numpy}" if setup.numpy else ""
    if setup.debian_system_python:
        return (f"/usr/bin/python3 -m venv --system-site-packages {DEBIAN_VENV} && "
                f"{DEBIAN_VENV}/bin/python -m pip install {TORCH_REQUIREMENT}{pin}{index}{extra}"
                f", then start QGIS with PATH={DEBIAN_VENV}/bin:$PATH")
    python = _quote(setup.interpreter)
    return f"{python} -m pip install {TORCH_REQUIREMENT}{pin}{index}{extra}"


def torch_missing_message(purpose: str, gpu: bool = False,
                          setup: Optional[PythonSetup] = None) -> str:
    """One line: what needs torch, and the command that installs it."""
    return (f"{purpose} needs PyTorch, which this Python cannot import; install it with: "
            f"{torch_install_command(setup, gpu)}")


def _join(platform: str, *parts: str) -> str:
    separator = "\\" if platform.startswith("win") else "/"
    return separator.join(p.rstrip("\\/") for p in parts)


def _quote(path: str) -> str:
    return f'"{path}"' if " " in path else path
