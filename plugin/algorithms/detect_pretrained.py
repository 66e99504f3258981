"""Detect anomalies with the pretrained detector: the one-click version of 'Detect anomalies'.

It needs PyTorch and the shipped weights; when either is missing, QGIS greys it out and shows
``canExecute``'s explanation (what is missing, the exact install command), while the general
'Detect anomalies' keeps offering global and local RX.
"""
from __future__ import annotations

from qgis.core import (QgsProcessingParameterBand, QgsProcessingParameterBoolean,
                       QgsProcessingParameterEnum, QgsProcessingParameterNumber,
                       QgsProcessingParameterRasterDestination, QgsProcessingParameterRasterLayer)

from ...engine.detectors import method_info
from ...engine.pipeline import DEFAULT_TILE_SIZE, DetectParameters, detect_scene
from ..dependencies import pretrained_problem
from ..styling import style_on_load
from .base import HsadAlgorithm
from .detect import SCORE_OPACITY, score_layer_name
from .method_parameters import ADVANCED_HELP, DEVICES, add_nodata, extra_nodata

METHOD = "twobranch"


class DetectPretrainedAlgorithm(HsadAlgorithm):
    algorithm_id = "detectpretrained"
    title = "Detect anomalies (pretrained detector)"
    summary = ("Scores every pixel with hsad's pretrained two-branch detector (a spectral and a "
               "spatial network trained once on background data, then RX on the enhanced scene): "
               "no per-scene training or tuning. Writes a float32 score raster on the scene's "
               "grid; higher scores are more anomalous. Needs PyTorch.")
    help_items = (
        ("Input scene", "A hyperspectral raster: a canvas layer or a file (ENVI data file, "
         "GeoTIFF or anything GDAL reads). Its bands are resampled to the model's band grid by "
         "wavelength when the file has wavelengths, by band position otherwise."),
        ("Bands", "Optional subset of bands to use; empty uses every band the file does not "
         "flag as bad."),
        ADVANCED_HELP[0], ADVANCED_HELP[1], ADVANCED_HELP[3], ADVANCED_HELP[4],
        ("Anomaly score", "The output raster (.tif GeoTIFF, or .img/.bsq ENVI), loaded styled."),
    )

    def define(self) -> None:
        h = dict(self.help_items)
        self.add(QgsProcessingParameterRasterLayer("INPUT", "Input scene"), help_text=h["Input scene"])
        self.add(QgsProcessingParameterBand("BANDS", "Bands", None, "INPUT", optional=True,
                                            allowMultiple=True), help_text=h["Bands"])
        self.add(QgsProcessingParameterEnum("DEVICE", "Device", options=list(DEVICES), defaultValue=0),
                 advanced=True, help_text=h["Device"])
        self.add(QgsProcessingParameterNumber("TILE_SIZE", "Tile size (pixels)",
                                              QgsProcessingParameterNumber.Integer,
                                              DEFAULT_TILE_SIZE, minValue=32, maxValue=4096),
                 advanced=True, help_text=h["Tile size"])
        self.add(QgsProcessingParameterBoolean("KEEP_BAD_BANDS", "Use bands flagged as bad", False),
                 advanced=True, help_text=h["Use bad bands"])
        add_nodata(self, h["Extra nodata value"])
        self.add(QgsProcessingParameterRasterDestination("OUTPUT", "Anomaly score"),
                 help_text=h["Anomaly score"])

    def canExecute(self):  # noqa: N802 (QGIS API)
        problem = pretrained_problem()
        return (not problem), problem

    def execute(self, parameters, context, feedback) -> dict:
        source = self.raster_source(parameters, "INPUT", context)
        output = self.parameterAsOutputLayer(parameters, "OUTPUT", context)
        params = DetectParameters(
            method=METHOD, bands=self.parameterAsInts(parameters, "BANDS", context) or None,
            drop_bad_bands=not self.parameterAsBool(parameters, "KEEP_BAD_BANDS", context),
            tile_size=self.parameterAsInt(parameters, "TILE_SIZE", context),
            device=DEVICES[self.parameterAsEnum(parameters, "DEVICE", context)],
            nodata=extra_nodata(self, parameters, context))
        label = method_info(METHOD).label
        self.log_versions(feedback)
        result = detect_scene(source, output, params, overwrite=True,
                              progress=self.progress_callback(feedback), log=feedback.pushInfo)
        for notice in result.notices:
            feedback.pushWarning(notice)
        feedback.pushInfo(f"device used: {result.device}; model version: {result.model_version}; "
                          f"{result.seconds:.1f} s; valid pixels: {result.summary.valid_pixels}")
        style_on_load(context, output, score_layer_name(source, label), SCORE_OPACITY)
        return {"OUTPUT": output}
