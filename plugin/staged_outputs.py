"""Processing outputs by hsad's one rule for what may be replaced (engine/outputs/staging.py).

A Processing destination is taken as the user's leave to replace what is there (QGIS's save
dialog asked "replace?"), but ``qgis_process``, ``processing.run``, models and the batch dialog
cannot ask, so the leave is narrow (:func:`~hsad.engine.outputs.ownership.check_processing_output`):
never an input of the run or an input's side-car, a link, a stream or a special file; an existing
file only when it is of the output's kind; a style beside it only when hsad wrote it; a
GeoPackage only when it holds nothing but the layer written. Every file is written under a
temporary name and renamed when complete, the tables QGIS writes for hsad too (:class:`StagedSink`).
Destinations that are not files (a temporary layer in memory, a database URI) are QGIS's own.
"""
from __future__ import annotations

import os
import re
from typing import Optional, Sequence

from qgis.core import (QgsProcessingContext, QgsProcessingException,
                       QgsProcessingOutputLayerDefinition, QgsProcessingUtils)

from ..engine.errors import HsadError
from ..engine.outputs.ownership import check_processing_output
from ..engine.outputs.score_raster import driver_for, side_cars
from ..engine.outputs.staging import StagedFile
from ..engine.outputs.threshold_files import objects_layer_name, objects_side_cars

# 'memory:', 'ogr:dbname=...', 'postgres://...' name a provider, not a file ('C:\\' is a drive)
_PROVIDER_URI = re.compile(r"^[A-Za-z][\w+.-]+:(?![\\/])")
TABLE_PARTS = (".qml", ".cpg", ".dbf", ".csvt", ".prj")


def check_raster_output(path: str, inputs: Sequence[str], style: bool = True) -> None:
    """Processing's rule for a raster destination (and its ``.qml``/ENVI header)."""
    driver_for(path)
    check_processing_output(path, "raster", inputs, side_cars(path, style))


def check_vector_output(path: str, inputs: Sequence[str]) -> None:
    """Processing's rule for a vector destination (its style, a shapefile's parts, a
    GeoPackage's other layers)."""
    check_processing_output(path, "vector", inputs, objects_side_cars(path),
                            layer=objects_layer_name(path))


def check_picture_output(path: str, inputs: Sequence[str]) -> None:
    """Processing's rule for a PNG destination."""
    check_processing_output(path, "png", inputs)


def sink_file(algorithm, parameters, name: str, context) -> tuple:
    """(the file a feature-sink destination names, or '' when it is not a file; its
    :class:`QgsProcessingOutputLayerDefinition` or None)."""
    value = parameters.get(name)
    definition = value if isinstance(value, QgsProcessingOutputLayerDefinition) else None
    if definition is not None:
        value = definition.sink
    if hasattr(value, "valueAsString"):  # a QgsProperty: a static value or an expression
        value = value.valueAsString(context.expressionContext())
        value = value[0] if isinstance(value, tuple) else value
    text = str(value or "").strip()
    if not text or text == "TEMPORARY_OUTPUT" or _PROVIDER_URI.match(text) or "|" in text:
        return "", definition
    if not os.path.splitext(text)[1]:
        text += "." + algorithm.parameterDefinition(name).defaultFileExtension()
    return os.path.abspath(text), definition


class StagedSink:
    """A feature sink that QGIS writes under a temporary name, renamed into place by
    :meth:`commit` (a failure or Cancel leaves no file at the destination)."""

    def __init__(self, algorithm, parameters, name: str, context, fields, geometry,
                 inputs: Sequence[str] = ()):
        self._context, self._name = context, name
        self._label = algorithm.parameterDefinition(name).description()
        path, definition = sink_file(algorithm, parameters, name, context)
        self._staged: Optional[StagedFile] = None
        self._definition = definition
        if not path:  # a memory layer or a database: QGIS's own writer
            self.sink, self.dest = algorithm.parameterAsSink(parameters, name, context, fields,
                                                             geometry)
            self._check(algorithm, parameters)
            return
        shapefile = path.lower().endswith(".shp")
        if shapefile:  # no geometry: QGIS writes the .dbf (and .cpg) alone
            path = path[:-4] + ".dbf"
        stem = os.path.splitext(path)[0]
        try:
            check_processing_output(path, "vector", inputs, [stem + p for p in TABLE_PARTS],
                                    layer=os.path.basename(stem))
            self._staged = StagedFile(path, inputs, True, [stem + p for p in TABLE_PARTS])
        except HsadError as exc:
            raise QgsProcessingException(str(exc)) from None
        temporary = QgsProcessingOutputLayerDefinition(
            self._staged.temp_for(".shp") if shapefile else self._staged.temp)
        options = dict(definition.createOptions) if definition is not None else {}
        options["layerName"] = os.path.basename(stem)
        temporary.createOptions = options
        staged_parameters = dict(parameters)
        staged_parameters[name] = temporary
        try:
            self.sink, written = algorithm.parameterAsSink(staged_parameters, name, context,
                                                           fields, geometry)
            self._check(algorithm, parameters)
        except BaseException:
            self._staged.discard()
            raise
        temp_name = os.path.basename(os.path.splitext(self._staged.temp)[0])  # beside path
        self.dest = path if shapefile else written.replace(temp_name, os.path.basename(stem))

    def _check(self, algorithm, parameters) -> None:
        if self.sink is None:
            raise QgsProcessingException(algorithm.invalidSinkError(parameters, self._name))

    def commit(self) -> str:
        """Close the sink, rename the file into place, load it if the user asked; its dest."""
        self.sink = None  # a file sink is complete only once it is deleted
        if self._staged is None:
            return self.dest
        self._staged.commit()
        definition = self._definition
        if definition is not None and definition.destinationProject is not None:
            self._context.addLayerToLoadOnCompletion(self.dest, QgsProcessingContext.LayerDetails(
                definition.destinationName or self._label, definition.destinationProject,
                self._name, QgsProcessingUtils.LayerHint.Vector))
        return self.dest

    def discard(self) -> None:
        """Drop what was written (the destination is left as it was)."""
        self.sink = None
        if self._staged is not None:
            self._staged.discard()
