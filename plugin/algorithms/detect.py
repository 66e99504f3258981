"""Detect anomalies: one scene in, a styled anomaly-score layer out."""
from __future__ import annotations

import os

from qgis.core import (QgsProcessingParameterBand,
                       QgsProcessingParameterBoolean, QgsProcessingParameterEnum,
                       QgsProcessingParameterNumber, QgsProcessingParameterRasterDestination,
                       QgsProcessingParameterRasterLayer)

from ...engine.detectors import METHODS, method_info
from ...engine.pipeline import DEFAULT_TILE_SIZE, DetectParameters, detect_scene
from ..dependencies import torch_problem
from ..styling import style_on_load
from .base import HsadAlgorithm

DEVICES = ("auto", "cpu", "cuda")
SCORE_OPACITY = 0.9  # the ramp is already transparent for ordinary scores; peaks stay see-through



class DetectAlgorithm(HsadAlgorithm):
    algorithm_id = "detect"
    title = "Detect anomalies"
    summary = ("Scores every pixel of a hyperspectral scene by how unusual it is and writes a "
               "float32 score raster on the scene's grid (same CRS, geotransform and size; nodata "
               "where the scene is invalid). Higher scores are more anomalous.")
    help_items = (
        ("Input scene", "A hyperspectral raster: a canvas layer or a file (ENVI data file, "
         "GeoTIFF or anything GDAL reads). Wavelengths, bad-band lists, nodata and scale factors "
         "are read from the file."),
        ("Method", "Two-branch pretrained detector: RX on the scene enhanced by a pretrained "
         "spectral and spatial network (no per-scene training; needs PyTorch). Global RX: squared "
         "Mahalanobis distance to the scene mean and covariance. Local RX: the same against a "
         "ring of background around each pixel."),
        ("Bands", "Optional subset of bands to use; empty uses every band the file does not "
         "flag as bad."),
        ("Device", "Where the pretrained network runs: auto uses a CUDA GPU when one is usable, "
         "otherwise the CPU."),
        ("Tile size", "Pixels per tile side. Memory use grows with its square; results do not "
         "depend on it."),
        ("Local RX windows", "Guard (inner) and outer window sizes in pixels, odd numbers; the "
         "background is the outer window minus the guard window."),
        ("Use bad bands", "Also use bands the file flags as bad (ENVI bbl)."),
        ("Anomaly score", "The output raster (.tif GeoTIFF, or .img/.bsq ENVI). It loads styled: "
         "transparent where scores are ordinary, bright where they are unusual."),
    )

    def define(self) -> None:
        self.add(QgsProcessingParameterRasterLayer("INPUT", "Input scene"),
                 help_text=self.help_items[0][1])
        self.add(QgsProcessingParameterEnum("METHOD", "Method", options=[m.label for m in METHODS],
                                            defaultValue=0), help_text=self.help_items[1][1])
        self.add(QgsProcessingParameterBand("BANDS", "Bands", None, "INPUT", optional=True,
                                            allowMultiple=True), help_text=self.help_items[2][1])
        self.add(QgsProcessingParameterEnum("DEVICE", "Device", options=list(DEVICES),
                                            defaultValue=0), advanced=True,
                 help_text=self.help_items[3][1])
        self.add(QgsProcessingParameterNumber("TILE_SIZE", "Tile size (pixels)",
                                              QgsProcessingParameterNumber.Integer,
                                              DEFAULT_TILE_SIZE, minValue=32, maxValue=4096),
                 advanced=True, help_text=self.help_items[4][1])
        self.add(QgsProcessingParameterNumber("INNER_WINDOW", "Local RX guard window (pixels)",
                                              QgsProcessingParameterNumber.Integer, 5, minValue=1,
                                              maxValue=99), advanced=True,
                 help_text=self.help_items[5][1])
        self.add(QgsProcessingParameterNumber("OUTER_WINDOW", "Local RX outer window (pixels)",
                                              QgsProcessingParameterNumber.Integer, 21, minValue=3,
                                              maxValue=201), advanced=True,
                 help_text=self.help_items[5][1])
        self.add(QgsProcessingParameterBoolean("KEEP_BAD_BANDS", "Use bands flagged as bad",
                                               False), advanced=True,
                 help_text=self.help_items[6][1])
        self.add(QgsProcessingParameterRasterDestination("OUTPUT", "Anomaly score"),
                 help_text=self.help_items[7][1])

    def method(self, parameters, context) -> str:
        return METHODS[self.parameterAsEnum(parameters, "METHOD", context)].name

    def checkParameterValues(self, parameters, context):  # noqa: N802 (QGIS API)
        ok, message = super().checkParameterValues(parameters, context)
        if ok and method_info(self.method(parameters, context)).needs_torch and torch_problem():
            return False, torch_problem()
        return ok, message

    def execute(self, parameters, context, feedback) -> dict:
        source = self.raster_source(parameters, "INPUT", context)
        output = self.parameterAsOutputLayer(parameters, "OUTPUT", context)
        params = DetectParameters(
            method=self.method(parameters, context),
            bands=self.parameterAsInts(parameters, "BANDS", context) or None,
            drop_bad_bands=not self.parameterAsBool(parameters, "KEEP_BAD_BANDS", context),
            tile_size=self.parameterAsInt(parameters, "TILE_SIZE", context),
            device=DEVICES[self.parameterAsEnum(parameters, "DEVICE", context)],
            inner=self.parameterAsInt(parameters, "INNER_WINDOW", context),
            outer=self.parameterAsInt(parameters, "OUTER_WINDOW", context))
        label = method_info(params.method).label
        self.log_versions(feedback)
        feedback.pushInfo(f"{label} on {source}")
        result = detect_scene(source, output, params, overwrite=True,
                              progress=self.progress_callback(feedback), log=feedback.pushInfo)
        feedback.pushInfo(f"device used: {result.device}; model version: "
                          f"{result.model_version or 'none (no learned model)'}; "
                          f"{result.seconds:.1f} s; valid pixels: {result.summary.valid_pixels}")
        feedback.pushInfo("score percentiles: " + ", ".join(
            f"{k} {v:.4g}" for k, v in result.summary.percentiles.items()))
        style_on_load(context, output, score_layer_name(source, label), SCORE_OPACITY)
        return {"OUTPUT": output}


def score_layer_name(source: str, method_label: str) -> str:
    """'<scene> anomaly score (<method>)': which scene and which detector, at a glance."""
    return f"{os.path.splitext(os.path.basename(source))[0]} anomaly score ({method_label})"
