"""Target detection: "find more like this" from an anomaly object, a map pixel or a library.

The family's detectors (:mod:`.detectors`) are ordinary :class:`~hsad.engine.methods.base.
Detector` subclasses; what they add, the target spectrum, enters through their constructor as a
source (:mod:`.sources`) that resolves against the open scene, so the Detector interface has no
hook for it. :class:`.parameters.TargetParameters` carries a source through
:func:`~hsad.engine.pipeline.detect_scene` and batches like any other run. This family's
registry (the ``--method`` of ``hsad target`` and ``hsad:target``) is below; the anomaly
detectors' registry (``engine/detectors``) does not list them, as they cannot run without a
target.
"""
from __future__ import annotations

import importlib
from typing import List, Optional, Type

from ...errors import HsadError

# (method name, "module:Class" relative to this package), in the order users see them.
_ENTRIES = (
    ("ace", "detectors:ACE"),
    ("mf", "detectors:MatchedFilter"),
    ("cem", "detectors:CEM"),
    ("sam", "detectors:SpectralAngle"),
)
DEFAULT_TARGET_METHOD = "ace"


def target_method_names() -> List[str]:
    return [name for name, _ in _ENTRIES]


def target_detector_class(name: str) -> Type:
    """The class of a target method, or a one-line HsadError listing them."""
    for entry, where in _ENTRIES:
        if entry == name:
            module, cls = where.split(":")
            return getattr(importlib.import_module(f"{__name__}.{module}"), cls)
    raise HsadError(f"unknown target method '{name}' (choose from "
                    f"{', '.join(target_method_names())})")


def create_target_detector(name: str, target, nodata: Optional[float] = None):
    """A fresh detector of ``name`` looking for ``target`` (a source or a TargetSpectrum)."""
    return target_detector_class(name)(target, nodata)
