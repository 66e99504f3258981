"""EnMAP L2A quality layers: the ``QL_QUALITY_*`` GeoTIFFs DLR ships beside the cube.

``<product>-QL_QUALITY_CLOUD.TIF``, ``_CLOUDSHADOW``, ``_HAZE``, ``_SNOW``, ``_CIRRUS`` are 0/1
(1 = flagged) on the cube's grid; ``_CLASSES`` holds 1 land, 2 water, 3 background (EnMAP L2A
product specification; EnMAP-Box and EnPT read them the same way). DLR's cloud-optimised
delivery adds ``_COG`` before the extension.
"""
from __future__ import annotations

from .masks import RasterMask
from .quality import product_sibling

LAYERS = {"cloud": "QL_QUALITY_CLOUD", "cloudshadow": "QL_QUALITY_CLOUDSHADOW",
          "haze": "QL_QUALITY_HAZE", "snow": "QL_QUALITY_SNOW", "cirrus": "QL_QUALITY_CIRRUS"}
CLASSES, WATER_CLASS = "QL_QUALITY_CLASSES", 2


def quality_layers(scene) -> dict:
    """{name: (label, factory)} of the EnMAP quality layers beside the scene's cube."""
    info = scene.info
    out = {}
    for name, layer in LAYERS.items():
        path = product_sibling(info.path, layer)
        if path:
            label = f"{name} ({layer})"
            out[name] = (label, lambda path=path, label=label: RasterMask(
                path, info, label, resample=False))
    classes = product_sibling(info.path, CLASSES)
    if classes:
        label = f"water ({CLASSES} = {WATER_CLASS})"
        out["water"] = (label, lambda: RasterMask(classes, info, label,
                                                  test=lambda v: v == WATER_CLASS,
                                                  resample=False))
    return out
