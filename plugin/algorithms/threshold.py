"""Anomaly mask and objects: a score raster in, a binary mask and outlined object polygons out."""
from __future__ import annotations

from qgis.core import (QgsProcessingException, QgsProcessingOutputLayerDefinition,
                       QgsProcessingOutputNumber, QgsProcessingParameterBoolean,
                       QgsProcessingParameterNumber, QgsProcessingParameterRasterDestination,
                       QgsProcessingParameterRasterLayer, QgsProcessingParameterVectorDestination)

from ...engine.figures import auto_rule_help, threshold_rule_help
from ...engine.provenance import describe_provenance
from ...engine.threshold import (DEFAULT_FALSE_ALARM_RATE, DEFAULT_SEED_SHARE, ThresholdRule,
                                 threshold_score_raster)
from ..layer_names import layer_name, names_for_score, threshold_abstract
from ..qgis_enums import DOUBLE, INTEGER, POLYGON_SOURCE, STATIC_PROPERTY
from ..staged_outputs import check_raster_output, check_vector_output
from ..styling import style_on_load
from .base import HsadAlgorithm
from .choices import Choices

MASK_OPACITY = 0.85
RULE_CHOICES = Choices((("far", "False-alarm rate"), ("auto", "Median + K robust sd"),
                        ("percentile", "Percentile"), ("value", "Score value"),
                        ("top", "Top N objects")), "far")


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
        ("Rule", "How scores become anomalies. False-alarm rate (far, default): the "
         "fraction of the background you accept to see flagged, as RX thresholds are set in "
         "ENVI-like tools. It is a budget of flagged pixels counted on the scene's own scores "
         "(empirical quantiles), so the flagged background never exceeds the promise, whatever "
         "the scene, detector or tail of the scores; the budget outlines whole objects: its "
         "highest-scoring pixels are seeds, grown into their connected neighbours down to the "
         "lowest score that keeps the mask within the budget. " + threshold_rule_help() +
         " Median + K robust sd (auto): the median plus K robust standard deviations of the "
         "scores. " + auto_rule_help() + " Percentile: scores at or above that percentile of "
         "the valid scores. Score value: scores at or above a given score. Top N objects: the "
         "N objects with the highest peaks among those at or above the percentile."),
        ("False-alarm rate", "Used by the far rule: the largest fraction of the valid pixels "
         "flagged, so at most that share of the background (0.001 = one pixel in a thousand; "
         "on a 100 x 100 scene at most 10 pixels). Smaller finds fewer, stronger anomalies. "
         "Scores tied at the threshold are left out rather than overspend it; the pixels of "
         "the highest score are always kept. The budget counts every flagged pixel, the "
         "anomalies' own included: where anomalies cover more than that share of the scene (a "
         "small crop around targets, a scene dense with objects), 0.001 cannot outline them "
         "all; 0.01 suits such scenes."),
        ("Seed share (far rule)", "The share of the false-alarm budget spent on seeds; the "
         "rest grows the seeds' objects. 1 flags the highest scores alone, which scatters the "
         "budget over the brightest fragments of targets. The default was chosen by "
         "cross-validation across the labelled scenes (docs/benchmarks.md)."),
        ("Percentile (percentile and top rules)", "Between 0 and 100; 99.9 flags 0.1 % of the "
         "pixels."),
        ("Score value (value rule)", "The lowest anomalous score."),
        ("Number of objects N (top rule)", "How many objects to keep."),
        ("K robust standard deviations (auto rule)", "Larger is stricter."),
        ("Minimum object size", "Objects with fewer pixels are dropped (1 keeps single pixels, "
         "which sub-pixel targets often are)."),
        ("Diagonal neighbours join objects", "When checked, pixels touching only at a corner "
         "belong to the same object (8-connectivity); otherwise only edge neighbours do."),
        ("Anomaly mask", "Output raster (uint8 GeoTIFF or ENVI) on the score's grid; loads "
         "with anomalies in red and the background transparent, named 'mask · "
         "<method> · <scene>'. Optional."),
        ("Anomaly objects", "Output polygons (GeoPackage, Shapefile, GeoJSON, FlatGeobuf or CSV "
         "with WKT) with fields object_id, pixels, area (map units squared), peak_score, "
         "mean_score, centroid_x, centroid_y; loads as outlined, labelled polygons named "
         "'objects · <method> · <scene>'. Optional."),
    )

    def define(self) -> None:
        h = dict(self.help_items)
        self.add(QgsProcessingParameterRasterLayer("INPUT", "Anomaly score"),
                 help_text=h["Anomaly score"])
        self.add_choice("RULE", "Rule", RULE_CHOICES, help_text=h["Rule"])
        self.add(QgsProcessingParameterNumber("FALSE_ALARM_RATE", "False-alarm rate (far rule)",
                                              DOUBLE,
                                              DEFAULT_FALSE_ALARM_RATE, minValue=1e-8,
                                              maxValue=0.5), help_text=h["False-alarm rate"],
                 decimals=8)
        # The other rules' parameters, each labelled with the rule that reads it.
        for name, label, kind, default, extra in (
                ("SEED_SHARE", "Seed share (far rule)", DOUBLE, DEFAULT_SEED_SHARE,
                 {"minValue": 0.01, "maxValue": 1.0}),
                ("PERCENTILE", "Percentile (percentile and top rules)", DOUBLE, 99.9,
                 {"minValue": 0.0, "maxValue": 99.99999}),
                ("VALUE", "Score value (value rule)", DOUBLE, None, {"optional": True}),
                ("TOP_N", "Number of objects N (top rule)", INTEGER, 10, {"minValue": 1}),
                ("K", "K robust standard deviations (auto rule)", DOUBLE, 6.0,
                 {"minValue": 0.1, "maxValue": 100.0})):
            self.add(QgsProcessingParameterNumber(
                name, label, kind, default, **extra),
                advanced=True, help_text=h[label])
        self.add(QgsProcessingParameterNumber("MIN_PIXELS", "Minimum object size (pixels)",
                                              INTEGER, 1,
                                              minValue=1), advanced=True,
                 help_text=h["Minimum object size"])
        self.add(QgsProcessingParameterBoolean("DIAGONAL", "Diagonal neighbours join objects",
                                               True), advanced=True,
                 help_text=h["Diagonal neighbours join objects"])
        self.add(QgsProcessingParameterRasterDestination("MASK", "Anomaly mask", optional=True),
                 help_text=h["Anomaly mask"])
        self.add(QgsProcessingParameterVectorDestination("OBJECTS", "Anomaly objects",
                                                         POLYGON_SOURCE,
                                                         optional=True),
                 help_text=h["Anomaly objects"])
        self.addOutput(QgsProcessingOutputNumber("THRESHOLD", "Score threshold used (seeds)"))
        self.addOutput(QgsProcessingOutputNumber("LOW_THRESHOLD",
                                                 "Lowest score an object grew to"))
        self.addOutput(QgsProcessingOutputNumber("OBJECT_COUNT", "Number of objects"))
        self.addOutput(QgsProcessingOutputNumber("ANOMALY_PIXELS", "Number of anomaly pixels"))

    def rule(self, parameters, context) -> ThresholdRule:
        kind = self.choice(parameters, "RULE")
        value = parameters.get("VALUE")
        return ThresholdRule(
            kind=kind,
            false_alarm_rate=self.parameterAsDouble(parameters, "FALSE_ALARM_RATE", context),
            seed_share=self.parameterAsDouble(parameters, "SEED_SHARE", context),
            percentile=self.parameterAsDouble(parameters, "PERCENTILE", context),
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
        # Read the outputs as given: parameterAsOutputLayer would register another temporary
        # output for QGIS to load, which it then reports as "not correctly generated".
        if not (destination_given(parameters.get("MASK"))
                or destination_given(parameters.get("OBJECTS"))):
            return False, "Choose at least one output: the anomaly mask or the anomaly objects."
        return True, ""

    def execute(self, parameters, context, feedback) -> dict:
        source = self.raster_source(parameters, "INPUT", context)
        mask = self.parameterAsOutputLayer(parameters, "MASK", context) or None
        objects = self.parameterAsOutputLayer(parameters, "OBJECTS", context) or None
        if not (mask or objects):
            raise QgsProcessingException("Choose at least one output: the mask or the objects.")
        if mask:  # Processing's rule, before any work
            check_raster_output(mask, [source])
        if objects:
            check_vector_output(objects, [source])
        self.log_versions(feedback)
        feedback.pushInfo(describe_provenance(source))
        result = threshold_score_raster(source, mask, objects, self.rule(parameters, context),
                                        overwrite=True, progress=self.progress_callback(feedback),
                                        log=feedback.pushInfo)
        for obj in result.objects[:5]:
            feedback.pushInfo(f"object {obj.object_id}: {obj.pixels} px, peak {obj.peak_score:.4g}"
                              f", centroid ({obj.centroid_x:.2f}, {obj.centroid_y:.2f})")
        scene, method = names_for_score(source)
        for kind, output, opacity in (("mask", mask, MASK_OPACITY), ("objects", objects, None)):
            if output:
                abstract = threshold_abstract(kind, output, source, result.rule,
                                              result.mask_pixels, result.valid_pixels,
                                              len(result.objects))
                style_on_load(context, output, layer_name(scene, kind, method), opacity,
                              abstract, layer_name(scene, kind, method, shorten=False))
        return {"MASK": mask, "OBJECTS": objects, "THRESHOLD": result.threshold,
                "LOW_THRESHOLD": result.low_threshold if result.low_threshold is not None
                else result.threshold,
                "OBJECT_COUNT": len(result.objects), "ANOMALY_PIXELS": result.mask_pixels}


def destination_given(value) -> bool:
    """Whether an output parameter's value asks for a file (a path, TEMPORARY_OUTPUT, an
    output definition or an expression), without creating one; skipped outputs are None."""
    if isinstance(value, QgsProcessingOutputLayerDefinition):
        sink = value.sink
        if sink.propertyType() != STATIC_PROPERTY:
            return True  # an expression: known only when the algorithm runs
        value = sink.staticValue()
    if value is None or (hasattr(value, "isNull") and value.isNull()):
        return False
    return bool(str(value).strip())

