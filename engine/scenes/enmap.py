"""EnMAP L2A quality layers: the ``QL_QUALITY_*`` GeoTIFFs DLR ships beside the cube.

``<product>-QL_QUALITY_CLOUD.TIF``, ``_CLOUDSHADOW``, ``_HAZE``, ``_SNOW``, ``_CIRRUS`` are 0/1
(1 = flagged) on the cube's grid; ``_CLASSES`` holds 1 land, 2 water, 3 background (EnMAP L2A
product specification; EnMAP-Box and EnPT read them the same way). DLR's cloud-optimised
delivery adds ``_COG`` before the extension.
"""
from __future__ import annotations

import os
import re

from .masks import RasterMask

_IMAGE = re.compile(r"^(?P<product>.+)-SPECTRAL_IMAGE(?P<cog>_COG)?\.(?P<ext>tiff?)$",
                    re.IGNORECASE)
LAYERS = {"cloud": "QL_QUALITY_CLOUD", "cloudshadow": "QL_QUALITY_CLOUDSHADOW",
          "haze": "QL_QUALITY_HAZE", "snow": "QL_QUALITY_SNOW", "cirrus": "QL_QUALITY_CIRRUS"}
CLASSES, WATER_CLASS = "QL_QUALITY_CLASSES", 2


def quality_file(raster_path: str, layer: str):
    """The product's ``-<layer>.TIF`` (or its _COG spelling) beside the cube, if present."""
    folder, name = os.path.split(raster_path)
    found = _IMAGE.match(name)
    if not found:
        return None
    for suffix in ("", "_COG"):
        for ext in ("TIF", "tif", "TIFF", "tiff"):
            candidate = os.path.join(folder, f"{found.group('product')}-{layer}{suffix}.{ext}")
            if os.path.isfile(candidate):
                return candidate
    return None


def quality_layers(scene) -> dict:
    """{name: (label, factory)} of the EnMAP quality layers beside the scene's cube."""
    info = scene.info
    out = {}
    for name, layer in LAYERS.items():
        path = quality_file(info.path, layer)
        if path:
            label = f"{name} ({layer})"
            out[name] = (label, lambda path=path, label=label: RasterMask(
                path, info, label, resample=False))
    classes = quality_file(info.path, CLASSES)
    if classes:
        label = f"water ({CLASSES} = {WATER_CLASS})"
        out["water"] = (label, lambda: RasterMask(classes, info, label,
                                                  test=lambda v: v == WATER_CLASS,
                                                  resample=False))
    return out
