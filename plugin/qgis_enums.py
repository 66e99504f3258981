"""The QGIS enum values hsad's algorithms use, by the names QGIS 4 keeps.

QGIS 3.30 and 3.36 moved the enums hsad uses into ``Qgis`` (``Qgis.ProcessingSourceType.Raster``
for ``QgsProcessing.SourceType.TypeRaster``); the class-scoped names stay in QGIS 3 only as
deprecated aliases. hsad runs from QGIS 3.22 on, so each value is taken by its ``Qgis`` name
where this QGIS has that enum, and by its 3.22 name (never evaluated otherwise) where it does not.
Every version switch of the plugin's QGIS enums lives here.
"""
from __future__ import annotations

from typing import Any, Callable

from qgis.core import (Qgis, QgsProcessing, QgsProcessingAlgorithm,
                       QgsProcessingParameterDefinition, QgsProcessingParameterFile,
                       QgsProcessingParameterNumber, QgsProperty, QgsWkbTypes)
from qgis.PyQt.QtCore import QMetaType, QVariant


def current_or_old(enum: str, member: str, old: Callable[[], Any]) -> Any:
    """``Qgis.<enum>.<member>`` where this QGIS has the enum, else what ``old`` returns."""
    found = getattr(Qgis, enum, None)
    return getattr(found, member) if found is not None else old()


SUPPORTS_BATCH = current_or_old("ProcessingAlgorithmFlag", "SupportsBatch",
                                lambda: QgsProcessingAlgorithm.Flag.FlagSupportsBatch)
CAN_CANCEL = current_or_old("ProcessingAlgorithmFlag", "CanCancel",
                            lambda: QgsProcessingAlgorithm.Flag.FlagCanCancel)
ADVANCED = current_or_old("ProcessingParameterFlag", "Advanced",
                          lambda: QgsProcessingParameterDefinition.Flag.FlagAdvanced)
INTEGER = current_or_old("ProcessingNumberParameterType", "Integer",
                         lambda: QgsProcessingParameterNumber.Type.Integer)
DOUBLE = current_or_old("ProcessingNumberParameterType", "Double",
                        lambda: QgsProcessingParameterNumber.Type.Double)
FOLDER = current_or_old("ProcessingFileParameterBehavior", "Folder",
                        lambda: QgsProcessingParameterFile.Behavior.Folder)
RASTER_SOURCE = current_or_old("ProcessingSourceType", "Raster",
                               lambda: QgsProcessing.SourceType.TypeRaster)
VECTOR_SOURCE = current_or_old("ProcessingSourceType", "Vector",
                               lambda: QgsProcessing.SourceType.TypeVector)
POLYGON_SOURCE = current_or_old("ProcessingSourceType", "VectorPolygon",
                                lambda: QgsProcessing.SourceType.TypeVectorPolygon)
GEOMETRY_SOURCE = current_or_old("ProcessingSourceType", "VectorAnyGeometry",
                                 lambda: QgsProcessing.SourceType.TypeVectorAnyGeometry)
STATIC_PROPERTY = current_or_old("PropertyType", "Static",
                                 lambda: QgsProperty.Type.StaticProperty)
NO_GEOMETRY = current_or_old("WkbType", "NoGeometry", lambda: QgsWkbTypes.Type.NoGeometry)

# QgsField takes a QMetaType.Type from QGIS 3.38 (QVariant.Type is deprecated there and gone
# with Qt 6); QGIS 3.22 only takes QVariant.Type.
if Qgis.QGIS_VERSION_INT >= 33800:
    FIELD_STRING, FIELD_DOUBLE, FIELD_INT = (QMetaType.Type.QString, QMetaType.Type.Double,
                                             QMetaType.Type.Int)
else:
    FIELD_STRING, FIELD_DOUBLE, FIELD_INT = (QVariant.Type.String, QVariant.Type.Double,
                                             QVariant.Type.Int)
