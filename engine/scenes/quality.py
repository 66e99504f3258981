"""A product's own quality layers (clouds, shadows, haze, snow, cirrus, water...), by one name
for every product family, excluded on request.

Each product module says which layers its product has (``quality_layers(scene)``: name ->
(label, factory of a :class:`~.masks.PixelMask`)); this module picks the ones asked for.
"""
from __future__ import annotations

import os
import re
from typing import Optional

from ..errors import InputError
from .scene import Scene

PRODUCTS = "EnMAP L2A, EMIT L2A (with its EMIT_L2A_MASK granule), DESIS L2A and PRISMA"


def product_quality_layers(scene: Scene) -> dict:
    """{name: (label, factory)} of the quality layers the scene's product ships."""
    from .emit import EmitScene
    from .prisma import PrismaScene
    inner = getattr(scene, "inner", scene)
    if isinstance(inner, EmitScene):
        from .emit import quality_layers
        return quality_layers(inner)
    if isinstance(inner, PrismaScene):
        from .prisma import quality_layers
        return quality_layers(inner)
    from .desis import quality_layers as desis_layers
    from .enmap import quality_layers as enmap_layers
    return enmap_layers(inner) or desis_layers(inner)


def quality_masks(scene: Scene, names: tuple) -> tuple:
    """(masks of the asked layers the product has, names it does not have); an error when it
    has none of them."""
    available = product_quality_layers(scene)
    if not available:
        raise InputError(f"{scene.info.path}: no quality layers found for this file "
                         f"({os.path.basename(scene.info.path)}); hsad reads those of {PRODUCTS} "
                         "products, beside the file as delivered")
    chosen = [n for n in names if n in available]
    if not chosen:
        raise InputError(f"{scene.info.path}: the product has none of the quality layers "
                         f"{', '.join(names)} (it has: {', '.join(available)})")
    masks = []
    try:
        for name in chosen:
            masks.append(available[name][1]())
    except BaseException:
        for mask in masks:
            mask.close()
        raise
    return masks, tuple(n for n in names if n not in available)


_CUBE = re.compile(r"^(?P<product>.+)-SPECTRAL_IMAGE(?:_COG)?\.tiff?$", re.IGNORECASE)


def product_sibling(raster_path: str, layer: str) -> Optional[str]:
    """``<product>-<layer>.TIF`` beside a ``<product>-SPECTRAL_IMAGE.TIF`` cube (any case of the
    extension, or DLR's cloud-optimised ``_COG`` spelling), if it is there."""
    folder, name = os.path.split(raster_path)
    found = _CUBE.match(name)
    if not found:
        return None
    for suffix in ("", "_COG"):
        for ext in ("TIF", "tif", "TIFF", "tiff"):
            candidate = os.path.join(folder, f"{found.group('product')}-{layer}{suffix}.{ext}")
            if os.path.isfile(candidate):
                return candidate
    return None
