"""Detectors by name: the one list that Processing, the command line and benchmarks all show.

Adding a detector is one module plus one line in ``_FACTORIES``. Learned detectors live in
``models/`` and are imported only when asked for, so RX works without torch.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..errors import HsadError
from .base import Detector


@dataclass(frozen=True)
class MethodInfo:
    name: str
    label: str
    needs_torch: bool
    description: str


def _rx(**params) -> Detector:
    from .rx import GlobalRX
    return GlobalRX()


def _lrx(inner: int = None, outer: int = None, loading: float = None, **params) -> Detector:
    from .local_rx import DEFAULT_INNER, DEFAULT_LOADING, DEFAULT_OUTER, LocalRX
    return LocalRX(DEFAULT_INNER if inner is None else inner,
                   DEFAULT_OUTER if outer is None else outer,
                   DEFAULT_LOADING if loading is None else loading)


def _twobranch(**params) -> Detector:
    from ...models.detector import load_detector
    return load_detector(**params)


METHODS = (
    MethodInfo("twobranch", "Two-branch pretrained detector (FERS)", True,
               "RX on the scene enhanced by a pretrained spectral and spatial network; "
               "no per-scene training"),
    MethodInfo("rx", "Global RX", False,
               "Squared Mahalanobis distance to the scene mean and covariance (Reed-Xiaoli)"),
    MethodInfo("lrx", "Local RX (dual window)", False,
               "Mahalanobis distance to the background in a ring around each pixel"),
)
_FACTORIES: dict = {"rx": _rx, "lrx": _lrx, "twobranch": _twobranch}


def method_names() -> list:
    return [m.name for m in METHODS]


def method_info(name: str) -> MethodInfo:
    for m in METHODS:
        if m.name == name:
            return m
    raise HsadError(f"unknown method '{name}' (choose from {', '.join(method_names())})")


def installed_model_version(name: str) -> str:
    """The model version a method's detector records, read without loading the model ('' for
    a method without a model, or when the model is not installed)."""
    if not method_info(name).needs_torch:
        return ""
    from ...models.weights_io import read_manifest  # no torch at module level
    try:
        return read_manifest().get("model_version", "")
    except HsadError:
        return ""


def create_detector(name: str, **params) -> Detector:
    """A fresh detector for one scene (detectors keep per-scene state)."""
    method_info(name)
    factory: Callable[..., Detector] = _FACTORIES[name]
    return factory(**{k: v for k, v in params.items() if v is not None})
