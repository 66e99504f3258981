"""Where networks run: numpy on the CPU by default, PyTorch on a GPU when asked for or found.

The engine never imports torch itself; the torch code lives under ``models/`` and is imported
only from here, only when a GPU run (or a method that needs torch) is asked for. Whether a GPU
is worth trying is judged without importing torch (1-2 s), so ``--device auto`` costs nothing
on the machines that have none.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys

from .errors import DependencyError, HsadError
from .install_hints import torch_missing_message

DEVICES = ("auto", "cpu", "cuda")


def torch_installed() -> bool:
    """Whether a ``torch`` package is importable-looking (found without importing it)."""
    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):
        return False


def gpu_present() -> bool:
    """Whether this machine has an NVIDIA driver loaded (no torch import)."""
    if sys.platform.startswith("linux"):
        return os.path.exists("/proc/driver/nvidia/version")
    if sys.platform.startswith("win"):
        import ctypes.util  # not at import time: it costs every command's start
        return ctypes.util.find_library("nvcuda") is not None
    return False


def models_module(name: str, purpose: str):
    """``hsad.models.<name>``, or a one-line DependencyError when PyTorch is missing or broken."""
    try:
        importlib.import_module("torch")
    except ImportError:
        raise DependencyError(torch_missing_message(purpose)) from None
    except OSError as exc:  # a torch whose CUDA libraries are broken
        raise DependencyError(f"{purpose} needs PyTorch, which failed to load "
                              f"({' '.join(str(exc).split())[:160]})") from None
    return importlib.import_module(f"{__package__.rsplit('.', 1)[0]}.models.{name}")


def choose_device(device: str) -> str:
    """'cpu' (numpy) or a CUDA device for ``auto``, ``cpu``, ``cuda`` or ``cuda:N``."""
    asked = (device or "auto").strip().lower()
    if asked == "cpu":
        return "cpu"
    if asked == "auto":
        if not (gpu_present() and torch_installed()):
            return "cpu"
        try:
            forward = models_module("twobranch.torch_forward", "the GPU")
            return "cuda" if forward.cuda_available() else "cpu"
        except DependencyError:
            return "cpu"
    if asked == "cuda" or asked.startswith("cuda:"):
        forward = models_module("twobranch.torch_forward", "--device cuda")
        if not forward.cuda_available():
            raise HsadError("device 'cuda' was asked for but PyTorch sees no CUDA GPU "
                            "(use --device cpu or auto)")
        return asked
    raise HsadError(f"unknown device '{device}' (choose {', '.join(DEVICES)} or cuda:N)")
