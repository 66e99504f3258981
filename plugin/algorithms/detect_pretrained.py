"""Detect anomalies with the pretrained detector: the one-click version of 'Detect anomalies'.

The same algorithm with the method fixed to ``twobranch``: it runs in numpy in every QGIS, and
cannot run only when the shipped weights are missing or damaged; the toolbox entry then says so
(name, warning icon, tooltip: see :mod:`.base`) and ``canExecute`` explains it.
"""
from __future__ import annotations

from qgis.core import QgsProcessingParameterBand, QgsProcessingParameterRasterDestination

from ...engine.methods import detector_class
from .detect import DetectAlgorithm
from .method_parameters import ADVANCED_HELP, add_run_settings, method_check
from .scene_parameters import (INPUT_FILE_HELP, SCENE_HELP, add_scene_input,
                               add_scene_parameters, scene_input_check)

METHOD = "twobranch"


class DetectPretrainedAlgorithm(DetectAlgorithm):
    algorithm_id = "detectpretrained"
    title = "Detect anomalies (pretrained detector)"
    fixed_method = METHOD
    summary = ("Scores every pixel with hsad's pretrained two-branch detector (method "
               "twobranch, after FERS, the Feature-Enhanced Rebellious Student of arXiv "
               "2510.18781: a spectral and a spatial network trained once on background data, "
               "then RX on the enhanced scene): no per-scene training or tuning, nothing to "
               "install. Writes a float32 score raster on the scene's grid; higher scores are "
               "more anomalous.")
    help_items = (
        ("Input scene", "A hyperspectral raster: a canvas layer or a file (ENVI data file, "
         "GeoTIFF or anything GDAL reads, a MATLAB .mat cube, a PRISMA Level-2 .he5 product). "
         "Its bands are resampled to the model's band grid by "
         "wavelength when the file has wavelengths, by band position otherwise."),
        INPUT_FILE_HELP,
        ("Bands", "Optional subset of bands to use; empty uses every band the file does not "
         "flag as bad."),
    ) + SCENE_HELP + ADVANCED_HELP + (
        ("Anomaly score", "The output raster (.tif GeoTIFF, or .img/.bsq ENVI), loaded styled."),
    )

    def define(self) -> None:
        h = dict(self.help_items)
        add_scene_input(self, h["Input scene"])
        self.add(QgsProcessingParameterBand("BANDS", "Bands", None, "INPUT", optional=True,
                                            allowMultiple=True), help_text=h["Bands"])
        add_scene_parameters(self)
        add_run_settings(self)
        self.add(QgsProcessingParameterRasterDestination("OUTPUT", "Anomaly score"),
                 help_text=h["Anomaly score"])

    def problem(self) -> str:
        return detector_class(METHOD).problem()

    def checkParameterValues(self, parameters, context):  # noqa: N802 (QGIS API)
        ok, message = super(DetectAlgorithm, self).checkParameterValues(parameters, context)
        if ok:
            ok, message = scene_input_check(parameters)
        return method_check(self, parameters, context, METHOD) if ok else (ok, message)
