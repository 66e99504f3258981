"""Detect anomalies: one scene in, a styled anomaly-score layer out."""
from __future__ import annotations

import os

from qgis.core import (QgsProcessingParameterBand, QgsProcessingParameterRasterDestination,
                       QgsProcessingParameterRasterLayer)

from ...engine.detectors import detector_class
from ...engine.pipeline import detect_scene
from ..styling import style_on_load
from .base import HsadAlgorithm
from .method_parameters import (ADVANCED_HELP, add_method, add_method_options, add_run_settings,
                                detect_parameters, method_check, methods_help, option_help)

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
        methods_help(),
        ("Bands", "Optional subset of bands to use; empty uses every band the file does not "
         "flag as bad."),
    ) + ADVANCED_HELP + option_help() + (
        ("Anomaly score", "The output raster (.tif GeoTIFF, or .img/.bsq ENVI). It loads styled: "
         "transparent where scores are ordinary, bright where they are unusual, named after the "
         "scene and the method."),
    )

    def define(self) -> None:
        h = dict(self.help_items)
        self.add(QgsProcessingParameterRasterLayer("INPUT", "Input scene"),
                 help_text=h["Input scene"])
        add_method(self)
        self.add(QgsProcessingParameterBand("BANDS", "Bands", None, "INPUT", optional=True,
                                            allowMultiple=True), help_text=h["Bands"])
        add_run_settings(self)
        add_method_options(self)
        self.add(QgsProcessingParameterRasterDestination("OUTPUT", "Anomaly score"),
                 help_text=h["Anomaly score"])

    def checkParameterValues(self, parameters, context):  # noqa: N802 (QGIS API)
        ok, message = super().checkParameterValues(parameters, context)
        return method_check(self, parameters, context) if ok else (ok, message)

    fixed_method = None  # a subclass that always runs one method sets it

    def execute(self, parameters, context, feedback) -> dict:
        source = self.raster_source(parameters, "INPUT", context)
        output = self.parameterAsOutputLayer(parameters, "OUTPUT", context)
        params = detect_parameters(self, parameters, context,
                                   self.parameterAsInts(parameters, "BANDS", context),
                                   method=self.fixed_method)
        label = detector_class(params.method).label
        self.log_versions(feedback)
        feedback.pushInfo(f"{label} on {source}")
        result = detect_scene(source, output, params, overwrite=True,
                              progress=self.progress_callback(feedback), log=feedback.pushInfo)
        for notice in result.notices:
            feedback.pushWarning(notice)
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
