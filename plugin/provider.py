"""The ``hsad`` Processing provider: the toolbox group, qgis_process ids and output formats."""
from __future__ import annotations

import os

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..version import __version__

ICON = os.path.join(os.path.dirname(os.path.dirname(__file__)), "resources", "icon.svg")


def algorithms() -> list:
    """One instance of every algorithm; they import only qgis and the engine (never torch)."""
    from .algorithms.detect import DetectAlgorithm
    from .algorithms.detect_pretrained import DetectPretrainedAlgorithm
    from .algorithms.detectfolder import DetectFolderAlgorithm
    from .algorithms.evaluate import EvaluateAlgorithm
    from .algorithms.target import TargetAlgorithm
    from .algorithms.threshold import ThresholdAlgorithm
    return [DetectAlgorithm(), DetectPretrainedAlgorithm(), DetectFolderAlgorithm(), ThresholdAlgorithm(), EvaluateAlgorithm(),
            TargetAlgorithm()]


class HsadProvider(QgsProcessingProvider):
    def id(self) -> str:
        return "hsad"

    def name(self) -> str:
        return "Hyperspectral anomaly detection"

    def longName(self) -> str:  # noqa: N802 (QGIS API)
        return f"Hyperspectral anomaly detection (hsad {__version__})"

    def icon(self) -> QIcon:
        return QIcon(ICON)

    def svgIconPath(self) -> str:  # noqa: N802
        return ICON

    def versionInfo(self) -> str:  # noqa: N802
        return __version__

    def loadAlgorithms(self) -> None:  # noqa: N802
        for algorithm in algorithms():
            self.addAlgorithm(algorithm)

    def supportedOutputRasterLayerExtensions(self) -> list:  # noqa: N802
        return ["tif", "img", "bsq"]

    def defaultRasterFileExtension(self) -> str:  # noqa: N802
        return "tif"

    def supportedOutputVectorLayerExtensions(self) -> list:  # noqa: N802
        return ["gpkg", "shp", "geojson", "fgb", "csv"]

    def defaultVectorFileExtension(self, hasGeometry: bool = True) -> str:  # noqa: N802, N803
        return "gpkg" if hasGeometry else "csv"  # tables (the AUC table) open in any spreadsheet

    def supportedOutputTableExtensions(self) -> list:  # noqa: N802
        return ["csv", "gpkg", "xlsx", "ods"]
