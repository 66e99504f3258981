"""Styling Processing outputs when QGIS loads them: the engine's .qml, a name, a place on top.

QGIS runs a layer post-processor in the main thread after the algorithm; the post-processor
object must outlive the algorithm, so every instance is kept in ``_KEEP`` until it has run.
"""
from __future__ import annotations

import os

from qgis.core import QgsProcessingLayerPostProcessorInterface

_KEEP: list = []


class ScoreLayerStyler(QgsProcessingLayerPostProcessorInterface):
    """Apply the side-car style written beside the raster and set the layer's name."""

    def __init__(self, name: str, opacity: float = 1.0):
        super().__init__()
        self.name = name
        self.opacity = opacity

    @classmethod
    def create(cls, name: str, opacity: float = 1.0) -> "ScoreLayerStyler":
        styler = cls(name, opacity)
        _KEEP.append(styler)
        return styler

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS API)
        try:
            style = os.path.splitext(layer.source())[0] + ".qml"
            if os.path.exists(style):
                layer.loadNamedStyle(style)
            layer.setName(self.name)
            if layer.renderer() is not None and self.opacity < 1.0:
                layer.renderer().setOpacity(self.opacity)
            layer.triggerRepaint()
        finally:
            if self in _KEEP:
                _KEEP.remove(self)


def style_on_load(context, output: str, name: str, opacity: float = 1.0) -> None:
    """Attach a styler to an output that Processing will load when the run completes."""
    if context.willLoadLayerOnCompletion(output):
        details = context.layerToLoadOnCompletionDetails(output)
        details.name = name
        details.setPostProcessor(ScoreLayerStyler.create(name, opacity))
