"""Styling Processing outputs when QGIS loads them: the side-car .qml, a name, an abstract.

The engine writes a ``.qml`` beside every raster and vector it makes, so files opened later look
the same; this module applies that style, a short layer name and an abstract (the full story:
scene, method, parameters; shown in the layer's tooltip and properties) to the layers Processing
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

    def __init__(self, name: str, opacity: Optional[float] = None, abstract: str = "",
                 title: str = ""):
        super().__init__()
        self.name = name
        self.opacity = opacity
        self.abstract = abstract
        self.title = title

    @classmethod
    def create(cls, name: str, opacity: Optional[float] = None, abstract: str = "",
               title: str = "") -> "LayerStyler":
        styler = cls(name, opacity, abstract, title)
        _KEEP.append(styler)
        return styler

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS API)
        try:
            apply_style(layer, self.name, self.opacity)
            if self.abstract:
                describe_layer(layer, self.title or self.name, self.abstract)
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


def describe_layer(layer, title: str, abstract: str) -> None:
    """Give a layer a title and an abstract: in its metadata (Layer Properties > Information)
    and where the Layers panel's tooltip reads them (the layer itself up to QGIS 3.36, its
    server properties from 3.38)."""
    metadata = layer.metadata()
    metadata.setTitle(title)
    metadata.setAbstract(abstract)
    layer.setMetadata(metadata)
    server = layer.serverProperties() if hasattr(layer, "serverProperties") else None
    if server is not None and hasattr(server, "setAbstract"):
        server.setTitle(title)
        server.setAbstract(abstract)
    else:
        layer.setTitle(title)
        layer.setAbstract(abstract)


def style_on_load(context, output: str, name: str, opacity: Optional[float] = None,
                  abstract: str = "", title: str = "") -> None:
    """Attach a styler to an output that Processing will load when the run completes."""
    if output and context.willLoadLayerOnCompletion(output):
        details = context.layerToLoadOnCompletionDetails(output)
        details.name = name
        details.setPostProcessor(LayerStyler.create(name, opacity, abstract, title))
