"""Detection methods, one folder each, and the one registry of them that Processing, the
command line, batch and benchmarks all show.

Each entry names a :class:`~.base.Detector` class, which is the single definition of its method
(name, label, options, needs), and its family: ``anomaly`` methods (``hsad detect``,
``hsad:detect``) score how unusual a pixel is; ``target`` methods (``hsad target``,
``hsad:target``) score how like a given spectrum it is, and are built with that target. Adding
a method is one folder with one class plus one line in ``_ENTRIES`` (docs/architecture.md); the
order is the order users see, and Processing stores the name, not the position, so reordering
changes nothing saved. Classes are imported when first asked for; the ones that need PyTorch
import it only when a detector is built.
"""
from __future__ import annotations

import importlib
from typing import List, Optional, Type

from ..errors import HsadError
from .base import Detector

ANOMALY = "anomaly"
TARGET = "target"

# (method name, family, "module:Class" relative to this package), in the order users see them.
_ENTRIES = (
    ("twobranch", ANOMALY, "twobranch.detector:TwoBranchDetector"),
    ("rx", ANOMALY, "rx.detector:GlobalRX"),
    ("lrx", ANOMALY, "lrx.detector:LocalRX"),
    ("ferd", ANOMALY, "ferd.detector:FerdDetector"),
    ("ace", TARGET, "target.detectors:ACE"),
    ("mf", TARGET, "target.detectors:MatchedFilter"),
    ("cem", TARGET, "target.detectors:CEM"),
    ("sam", TARGET, "target.detectors:SpectralAngle"),
)
DEFAULT_METHOD = "twobranch"
DEFAULT_TARGET_METHOD = "ace"


def method_names(family: str = ANOMALY) -> List[str]:
    return [name for name, kind, _ in _ENTRIES if kind == family]


def detector_class(name: str, family: str = ANOMALY) -> Type[Detector]:
    """The class of a method of ``family``, or a one-line HsadError listing that family's."""
    for entry, kind, where in _ENTRIES:
        if entry == name and kind == family:
            module, cls = where.split(":")
            return getattr(importlib.import_module(f"{__name__}.{module}"), cls)
    which = "target method" if family == TARGET else "method"
    raise HsadError(f"unknown {which} '{name}' (choose from {', '.join(method_names(family))})")


def detector_classes(family: str = ANOMALY) -> List[Type[Detector]]:
    return [detector_class(name, family) for name in method_names(family)]


def all_options() -> list:
    """Every anomaly method's options, each once, in registry order (for Processing's dialog)."""
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
    """A fresh anomaly detector for one scene (detectors keep per-scene state)."""
    cls = detector_class(name)
    kwargs = method_options(name, options)
    if cls.uses_device:
        kwargs["device"] = device
    return cls(**kwargs)


def create_target_detector(name: str, target, nodata: Optional[float] = None) -> Detector:
    """A fresh target detector of ``name`` looking for ``target`` (a source or a
    TargetSpectrum)."""
    return detector_class(name, TARGET)(target, nodata)


def method_problem(name: str) -> str:
    """'' when the method can run here; otherwise why not (with the fix)."""
    return detector_class(name).problem()


def installed_model_version(name: str, options: Optional[dict] = None) -> str:
    """The model version a method records, read without building its detector."""
    return detector_class(name).installed_model_version(options)
