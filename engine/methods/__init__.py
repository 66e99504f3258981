"""The registry of detection methods: the one list that Processing, the command line, batch and
benchmarks all show.

Each entry names a :class:`~.base.Detector` class, which is the single definition of its method
(name, label, options, needs). Adding a method is one module with one class plus one line in
``_ENTRIES``; the order is the order users see, and Processing stores the name, not the
position, so reordering changes nothing saved. Classes are imported when first asked for; the
ones that need PyTorch import it only when a detector is built.
"""
from __future__ import annotations

import importlib
from typing import List, Optional, Type

from ..errors import HsadError
from .base import Detector

# (method name, "module:Class" relative to this package), in the order users see them.
_ENTRIES = (
    ("twobranch", "twobranch.detector:TwoBranchDetector"),
    ("rx", "rx.detector:GlobalRX"),
    ("lrx", "lrx.detector:LocalRX"),
    ("ferd", "ferd.detector:FerdDetector"),
)
DEFAULT_METHOD = "twobranch"


def method_names() -> List[str]:
    return [name for name, _ in _ENTRIES]


def detector_class(name: str) -> Type[Detector]:
    """The class of a method, or a one-line HsadError listing the methods."""
    for entry, where in _ENTRIES:
        if entry == name:
            module, cls = where.split(":")
            return getattr(importlib.import_module(f"{__name__}.{module}"), cls)
    raise HsadError(f"unknown method '{name}' (choose from {', '.join(method_names())})")


def detector_classes() -> List[Type[Detector]]:
    return [detector_class(name) for name in method_names()]


def all_options() -> list:
    """Every method's options, each once, in registry order (for Processing's dialog)."""
    seen, out = set(), []
    for cls in detector_classes():
        for option in cls.options:
            if option.name not in seen:
                seen.add(option.name)
                out.append(option)
    return out


def method_options(name: str, given: Optional[dict] = None) -> dict:
    """A method's options with the given values checked and defaults filled in; options of
    other methods are dropped (Processing sends every method's)."""
    cls = detector_class(name)
    given = given or {}
    return {o.name: o.check(given.get(o.name), name) for o in cls.options}


def create_detector(name: str, options: Optional[dict] = None, device: str = "auto") -> Detector:
    """A fresh detector for one scene (detectors keep per-scene state)."""
    cls = detector_class(name)
    kwargs = method_options(name, options)
    if cls.uses_device:
        kwargs["device"] = device
    return cls(**kwargs)


def method_problem(name: str) -> str:
    """'' when the method can run here; otherwise why not (with the fix)."""
    return detector_class(name).problem()


def installed_model_version(name: str, options: Optional[dict] = None) -> str:
    """The model version a method records, read without building its detector."""
    return detector_class(name).installed_model_version(options)
