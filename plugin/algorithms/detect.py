"""Detect anomalies: one scene in, a styled anomaly-score layer out."""
from __future__ import annotations

from qgis.core import QgsProcessingParameterBand, QgsProcessingParameterRasterDestination

from ...engine.linalg import reading_core_left
from ...engine.pipeline import detect_scene
from ..layer_names import layer_name, method_description, scene_name, score_abstract
from ..staged_outputs import check_raster_output
from ..styling import style_on_load
from .base import HsadAlgorithm
from .method_parameters import (ADVANCED_HELP, add_method, add_method_options, add_run_settings,
                                detect_parameters, method_check, methods_help, option_help)
from .scene_parameters import (INPUT_FILE_HELP, SCENE_HELP, add_scene_input,
                               add_scene_parameters, scene_input_check, scene_options,
                               scene_source)


class DetectAlgorithm(HsadAlgorithm):
    algorithm_id = "detect"
    title = "Detect anomalies"
    scene_inputs = ("INPUT",)
    summary = ("Scores every pixel of a hyperspectral scene by how unusual it is and writes a "
               "float32 score raster on the scene's grid (same CRS, geotransform and size; nodata "
               "where the scene is invalid). Higher scores are more anomalous.")
    help_items = (
        ("Input scene", "A hyperspectral raster: a canvas layer or a file (ENVI data file, "
         "GeoTIFF or anything GDAL reads, a MATLAB .mat cube, a PRISMA Level-2 .he5 product). "
         "Wavelengths, bad-band lists, nodata and scale factors are read from the file."),
        INPUT_FILE_HELP,
        methods_help(),
        ("Bands", "Optional subset of bands to use; empty uses every band the file does not "
         "flag as bad."),
    ) + SCENE_HELP + ADVANCED_HELP + option_help() + (
        ("Anomaly score", "The output raster (.tif GeoTIFF, or .img/.bsq ENVI). It loads styled "
         "to read on any map: transparent below the 99th percentile of the scores, opaque "
         "magenta from the 99.9th (what Anomaly mask and objects flags by default), and named "
         "'score · <method> · <scene>'; its tooltip and properties say how it was made."),
    )

    def define(self) -> None:
        h = dict(self.help_items)
        add_scene_input(self, h["Input scene"])
        add_method(self)
        self.add(QgsProcessingParameterBand("BANDS", "Bands", None, "INPUT", optional=True,
                                            allowMultiple=True), help_text=h["Bands"])
        add_scene_parameters(self)
        add_run_settings(self)
        add_method_options(self)
        self.add(QgsProcessingParameterRasterDestination("OUTPUT", "Anomaly score"),
                 help_text=h["Anomaly score"])

    def checkParameterValues(self, parameters, context):  # noqa: N802 (QGIS API)
        ok, message = super().checkParameterValues(parameters, context)
        if ok:
            ok, message = scene_input_check(parameters)
        return method_check(self, parameters, context) if ok else (ok, message)

    fixed_method = None  # a subclass that always runs one method sets it

    def execute(self, parameters, context, feedback) -> dict:
        source = scene_source(self, parameters, context)
        output = self.parameterAsOutputLayer(parameters, "OUTPUT", context)
        params = detect_parameters(self, parameters, context,
                                   self.parameterAsInts(parameters, "BANDS", context),
                                   method=self.fixed_method)
        params.scene = scene_options(self, parameters, context, feedback)
        # Processing's rule, before any work: never onto the scene, its mask, area or wavelengths
        check_raster_output(output, [source] + params.scene.files())
        self.log_versions(feedback)
        feedback.pushInfo(f"method {method_description(params.method)}")
        feedback.pushInfo(f"scene {source}")
        with reading_core_left():  # as hsad detect runs: BLAS leaves the reader a core
            result = detect_scene(source, output, params, overwrite=True,
                                  progress=self.progress_callback(feedback),
                                  log=feedback.pushInfo)
        for notice in result.notices:
            feedback.pushWarning(notice)
        feedback.pushInfo(f"device used: {result.device}; model version: "
                          f"{result.model_version or 'none (no learned model)'}; "
                          f"{result.seconds:.1f} s; valid pixels: {result.summary.valid_pixels}")
        feedback.pushInfo("score percentiles: " + ", ".join(
            f"{k} {v:.4g}" for k, v in result.summary.percentiles.items()))
        load_score_layer(context, output, source, params.method)
        return {"OUTPUT": output}


def load_score_layer(context, output: str, source: str, method: str) -> None:
    """Name and describe a score layer Processing loads: 'score · <method> · <scene>'."""
    scene = scene_name(source)
    style_on_load(context, output, layer_name(scene, "score", method),
                  abstract=score_abstract(output),
                  title=layer_name(scene, "score", method, shorten=False))
