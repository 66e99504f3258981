"""Anomaly mask and objects: a score raster in, a binary mask and outlined object polygons out."""
from __future__ import annotations

import os

from qgis.core import (QgsProcessing, QgsProcessingException, QgsProcessingOutputNumber,
                       QgsProcessingParameterBoolean, QgsProcessingParameterEnum,
                       QgsProcessingParameterNumber, QgsProcessingParameterRasterDestination,
                       QgsProcessingParameterRasterLayer, QgsProcessingParameterVectorDestination)

from ...engine.detectors import detector_class
from ...engine.errors import HsadError
from ...engine.provenance import describe_provenance, score_provenance
from ...engine.threshold import RULES, ThresholdRule, threshold_score_raster
from ..styling import style_on_load
from .base import HsadAlgorithm

MASK_OPACITY = 0.85


class ThresholdAlgorithm(HsadAlgorithm):
    algorithm_id = "threshold"
    title = "Anomaly mask and objects"
    summary = ("Turns an anomaly-score raster into a binary mask (1 = anomaly, 0 = background, "
               "255 = nodata) on the same grid, and a polygon layer with one feature per "
               "connected anomaly object: its pixel count, area, peak and mean score and "
               "centroid. Object 1 has the highest peak score.")
    help_items = (
        ("Anomaly score", "A score raster (from Detect anomalies, or any single-band raster "
         "where higher means more anomalous). Band 1 is used; nodata stays nodata."),
        ("Rule", "auto: a pixel is anomalous when its score is at least the median plus "
         "K robust standard deviations (1.4826 x the median absolute deviation) of all valid "
         "scores. Anomalies are rare, so the median and the MAD describe the background and "
         "barely move with the anomalies; the rule needs no labels and adapts to each scene "
         "and detector. For a Gaussian background RX scores follow a chi-square law, and K = 6 "
         "then leaves about one false pixel in 30 000 (20 bands) to one in 5 million (200 bands). "
         "Real backgrounds are not Gaussian: on 11 labelled airborne scenes, K = 6 on the "
         "pretrained detector's scores caught all 168 target objects while flagging 4 % of the "
         "background on average (global RX: 144 objects, 2 %; hsad's docs/benchmarks.md). "
         "Raise K, or use top, for fewer false objects. "
         "percentile: scores at or above that percentile of the valid scores (99.9 flags 0.1 % "
         "of the pixels). value: scores at or above the given value. top: objects formed at "
         "the percentile threshold, keeping the N with the highest peak."),
        ("Percentile", "Used by the Percentile and Top-N rules; between 0 and 100."),
        ("Score value", "Used by the Score value rule: the lowest anomalous score."),
        ("Number of objects (N)", "Used by the Top-N rule: how many objects to keep."),
        ("K (robust standard deviations)", "Used by the Automatic rule; larger is stricter."),
        ("Minimum object size", "Objects with fewer pixels are dropped (1 keeps single pixels, "
         "which sub-pixel targets often are)."),
        ("Diagonal neighbours join objects", "When checked, pixels touching only at a corner "
         "belong to the same object (8-connectivity); otherwise only edge neighbours do."),
        ("Anomaly mask", "Output raster (uint8 GeoTIFF or ENVI) on the score's grid; loads "
         "with anomalies in red and the background transparent. Optional."),
        ("Anomaly objects", "Output polygons (GeoPackage, Shapefile, GeoJSON, FlatGeobuf or CSV "
         "with WKT) with fields object_id, pixels, area (map units squared), peak_score, "
         "mean_score, centroid_x, centroid_y; loads as outlined, labelled polygons. Optional."),
    )

    def define(self) -> None:
        h = dict(self.help_items)
        self.add(QgsProcessingParameterRasterLayer("INPUT", "Anomaly score"),
                 help_text=h["Anomaly score"])
        self.add(QgsProcessingParameterEnum("RULE", "Rule", options=list(RULES),
                                            defaultValue="auto", usesStaticStrings=True),
                 help_text=h["Rule"])
        self.add(QgsProcessingParameterNumber("PERCENTILE", "Percentile",
                                              QgsProcessingParameterNumber.Double, 99.9,
                                              minValue=0.0, maxValue=99.99999),
                 help_text=h["Percentile"])
        self.add(QgsProcessingParameterNumber("VALUE", "Score value",
                                              QgsProcessingParameterNumber.Double, None,
                                              optional=True), help_text=h["Score value"])
        self.add(QgsProcessingParameterNumber("TOP_N", "Number of objects (N)",
                                              QgsProcessingParameterNumber.Integer, 10,
                                              minValue=1), help_text=h["Number of objects (N)"])
        self.add(QgsProcessingParameterNumber("K", "K (robust standard deviations)",
                                              QgsProcessingParameterNumber.Double, 6.0,
                                              minValue=0.1, maxValue=100.0), advanced=True,
                 help_text=h["K (robust standard deviations)"])
        self.add(QgsProcessingParameterNumber("MIN_PIXELS", "Minimum object size (pixels)",
                                              QgsProcessingParameterNumber.Integer, 1,
                                              minValue=1), advanced=True,
                 help_text=h["Minimum object size"])
        self.add(QgsProcessingParameterBoolean("DIAGONAL", "Diagonal neighbours join objects",
                                               True), advanced=True,
                 help_text=h["Diagonal neighbours join objects"])
        self.add(QgsProcessingParameterRasterDestination("MASK", "Anomaly mask", optional=True),
                 help_text=h["Anomaly mask"])
        self.add(QgsProcessingParameterVectorDestination("OBJECTS", "Anomaly objects",
                                                         QgsProcessing.TypeVectorPolygon,
                                                         optional=True),
                 help_text=h["Anomaly objects"])
        self.addOutput(QgsProcessingOutputNumber("THRESHOLD", "Score threshold used"))
        self.addOutput(QgsProcessingOutputNumber("OBJECT_COUNT", "Number of objects"))
        self.addOutput(QgsProcessingOutputNumber("ANOMALY_PIXELS", "Number of anomaly pixels"))

    def rule(self, parameters, context) -> ThresholdRule:
        kind = self.parameterAsEnumString(parameters, "RULE", context) or "auto"
        value = parameters.get("VALUE")
        return ThresholdRule(
            kind=kind, percentile=self.parameterAsDouble(parameters, "PERCENTILE", context),
            value=None if value in (None, "") else self.parameterAsDouble(parameters, "VALUE",
                                                                          context),
            top_n=self.parameterAsInt(parameters, "TOP_N", context),
            robust_k=self.parameterAsDouble(parameters, "K", context),
            min_pixels=self.parameterAsInt(parameters, "MIN_PIXELS", context),
            diagonal=self.parameterAsBool(parameters, "DIAGONAL", context))

    def checkParameterValues(self, parameters, context):  # noqa: N802 (QGIS API)
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        if self.rule(parameters, context).kind == "value" and \
                parameters.get("VALUE") in (None, ""):
            return False, "The Score value rule needs a Score value."
        if not (self.parameterAsOutputLayer(parameters, "MASK", context)
                or self.parameterAsOutputLayer(parameters, "OBJECTS", context)):
            return False, "Choose at least one output: the anomaly mask or the anomaly objects."
        return True, ""

    def execute(self, parameters, context, feedback) -> dict:
        source = self.raster_source(parameters, "INPUT", context)
        mask = self.parameterAsOutputLayer(parameters, "MASK", context) or None
        objects = self.parameterAsOutputLayer(parameters, "OBJECTS", context) or None
        if not (mask or objects):
            raise QgsProcessingException("Choose at least one output: the mask or the objects.")
        self.log_versions(feedback)
        feedback.pushInfo(describe_provenance(source))
        result = threshold_score_raster(source, mask, objects, self.rule(parameters, context),
                                        overwrite=True, progress=self.progress_callback(feedback),
                                        log=feedback.pushInfo)
        for obj in result.objects[:5]:
            feedback.pushInfo(f"object {obj.object_id}: {obj.pixels} px, peak {obj.peak_score:.4g}"
                              f", centroid ({obj.centroid_x:.2f}, {obj.centroid_y:.2f})")
        scene, method = layer_naming(source)
        style_on_load(context, mask, f"{scene} anomaly mask{method}", MASK_OPACITY)
        style_on_load(context, objects, f"{scene} anomaly objects{method}")
        return {"MASK": mask, "OBJECTS": objects, "THRESHOLD": result.threshold,
                "OBJECT_COUNT": len(result.objects), "ANOMALY_PIXELS": result.mask_pixels}


def layer_naming(score_path: str) -> tuple:
    """(scene name, ' (method)') from the score's hsad metadata, else the score file's name."""
    found = score_provenance(score_path)
    if not found["source"]:
        return os.path.splitext(os.path.basename(score_path))[0], ""
    scene = os.path.splitext(os.path.basename(found["source"]))[0]
    try:
        return scene, f" ({detector_class(found['method']).label})"
    except HsadError:
        return scene, f" ({found['method']})" if found["method"] else ""
