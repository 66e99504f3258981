"""Styling Processing outputs when QGIS loads them: the side-car .qml, a name, an opacity.

The engine writes a ``.qml`` beside every raster and vector it makes, so files opened later look
the same; this module applies that style (and a readable layer name) to the layers Processing
loads at the end of a run. QGIS runs a layer post-processor in the main thread after the
algorithm; the post-processor object must outlive the algorithm, so every instance is kept in
``_KEEP`` until it has run.
"""
from __future__ import annotations

import os
from typing import Optional

from qgis.core import QgsProcessingLayerPostProcessorInterface

_KEEP: list = []


def side_car_style(source: str) -> str:
    """``<file stem>.qml`` for a layer source (GDAL/OGR options after '|' are ignored)."""
    return os.path.splitext(source.split("|")[0])[0] + ".qml"


class LayerStyler(QgsProcessingLayerPostProcessorInterface):
    """Apply the side-car style written beside the output and set the layer's name."""

    def __init__(self, name: str, opacity: Optional[float] = None):
        super().__init__()
        self.name = name
        self.opacity = opacity

    @classmethod
    def create(cls, name: str, opacity: Optional[float] = None) -> "LayerStyler":
        styler = cls(name, opacity)
        _KEEP.append(styler)
        return styler

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS API)
        try:
            apply_style(layer, self.name, self.opacity)
        finally:
            if self in _KEEP:
                _KEEP.remove(self)


def apply_style(layer, name: str, opacity: Optional[float] = None) -> None:
    """Load the layer's side-car style, name it and (for rasters) set its opacity."""
    style = side_car_style(layer.source())
    if os.path.exists(style):
        layer.loadNamedStyle(style)
    layer.setName(name)
    renderer = layer.renderer()
    if opacity is not None and renderer is not None and hasattr(renderer, "setOpacity"):
        renderer.setOpacity(opacity)
    layer.triggerRepaint()


def style_on_load(context, output: str, name: str, opacity: Optional[float] = None) -> None:
    """Attach a styler to an output that Processing will load when the run completes."""
    if output and context.willLoadLayerOnCompletion(output):
        details = context.layerToLoadOnCompletionDetails(output)
        details.name = name
        details.setPostProcessor(LayerStyler.create(name, opacity))
