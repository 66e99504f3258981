"""How a score raster was made, read back from the metadata hsad writes into it.

Thresholding and evaluation work on score rasters made earlier (maybe by the command line, or
on another machine); their logs say which method, model version and device produced the scores,
so a result can be traced to what made it.
"""
from __future__ import annotations

from .gdal_env import gdal

KEYS = {"HSAD_METHOD": "method", "HSAD_MODEL_VERSION": "model_version",
        "HSAD_DEVICE": "device", "HSAD_VERSION": "hsad_version", "HSAD_SOURCE": "source"}


def score_provenance(path: str) -> dict:
    """{method, model_version, device, hsad_version, source} found in a raster ('' if absent)."""
    try:
        ds = gdal().Open(path)
        found = {name: ds.GetMetadataItem(key) or "" for key, name in KEYS.items()}
        ds = None
    except RuntimeError:
        found = {name: "" for name in KEYS.values()}
    return found


def describe_provenance(path: str) -> str:
    """One log line: what made this score raster, or that it was not made by hsad."""
    p = score_provenance(path)
    if not p["method"]:
        return f"{path}: no hsad metadata (scores made elsewhere; used as they are)"
    return (f"{path}: scores by hsad {p['hsad_version'] or '?'}, method {p['method']}, model "
            f"version {p['model_version'] or 'none'}, device {p['device'] or 'cpu'}")
