"""A target run's settings: a detect run's, plus where the target spectrum comes from.

:class:`TargetParameters` is a :class:`~hsad.engine.methods.parameters.DetectParameters`, so
:func:`~hsad.engine.pipeline.detect_scene`, batches (resume, "same settings" checks, Dask) and
the output's provenance handle a target run as they handle any other: the source is recorded as
the method's one option, ``target``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ...errors import HsadError
from .. import DEFAULT_TARGET_METHOD, TARGET, create_target_detector, detector_class
from ..parameters import DetectParameters
from .sources import SpectrumSource


@dataclass
class TargetParameters(DetectParameters):
    method: str = DEFAULT_TARGET_METHOD
    target: Optional[SpectrumSource] = None

    def method_options(self) -> dict:
        detector_class(self.method, TARGET)
        return {"target": self.target.as_dict() if self.target is not None else None}

    def detector(self):
        if self.target is None:
            raise HsadError(f"method '{self.method}' needs a target spectrum: an anomaly "
                            "object, a point, a vector layer or a spectral library")
        return create_target_detector(self.method, self.target, self.nodata)

    def score_description(self) -> str:
        described = self.target.describe() if self.target is not None else "no target"
        return f"target score ({self.method}: {described})"

    def check(self) -> None:
        """One-line errors for what can be known before any scene is read."""
        detector_class(self.method, TARGET)
        if self.target is None:
            self.detector()
        self.target.check()
