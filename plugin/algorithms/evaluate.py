"""Evaluate against ground truth: score rasters and a truth raster in, AUC table and ROC out."""
from __future__ import annotations

import os

from qgis.core import (QgsFeature, QgsFeatureSink, QgsField, QgsFields, QgsProcessingException,
                       QgsProcessingOutputNumber, QgsProcessingParameterFeatureSink,
                       QgsProcessingParameterFileDestination, QgsProcessingParameterMultipleLayers,
                       QgsProcessingParameterRasterLayer)

from ...engine.evaluation import evaluate_score_raster, write_roc_picture
from ...engine.provenance import describe_provenance, score_provenance
from ..qgis_enums import (FIELD_DOUBLE, FIELD_INT, FIELD_STRING, NO_GEOMETRY, RASTER_SOURCE,
                          VECTOR_SOURCE)
from ..staged_outputs import StagedSink, check_picture_output
from .base import HsadAlgorithm

# (field name, field type) of the AUC table - one row per score raster
COLUMNS = (("score_file", FIELD_STRING), ("method", FIELD_STRING), ("model_version", FIELD_STRING),
           ("auc_roc", FIELD_DOUBLE), ("auc_pd_tau", FIELD_DOUBLE), ("auc_pf_tau", FIELD_DOUBLE),
           ("snpr", FIELD_DOUBLE), ("anomaly_pixels", FIELD_INT), ("valid_pixels", FIELD_INT),
           ("partial_auc_1pct", FIELD_DOUBLE), ("pixels_found_0_1pct", FIELD_DOUBLE),
           ("objects_found_0_1pct", FIELD_INT), ("pixels_found_1pct", FIELD_DOUBLE),
           ("objects_found_1pct", FIELD_INT), ("truth_objects", FIELD_INT))


class EvaluateAlgorithm(HsadAlgorithm):
    algorithm_id = "evaluate"
    title = "Evaluate against ground truth"
    summary = ("Measures how well anomaly scores find known anomalies: ROC AUC and the 3-D ROC "
               "measures of each score raster against a ground-truth raster, as a table that "
               "opens in QGIS, and the ROC curves as a PNG. Nodata pixels are left out.")
    help_items = (
        ("Anomaly scores", "One or more score rasters on the ground truth's grid (from Detect "
         "anomalies, or any raster where higher means more anomalous); give several to compare "
         "detectors on one scene."),
        ("Ground truth", "A raster on the same grid: nonzero = anomaly, 0 = background."),
        ("AUC table", "One row per score raster: score_file, method and model_version (read "
         "from the raster's hsad metadata), auc_roc (probability that an anomaly pixel outscores "
         "a background pixel; 0.5 is chance, 1 is perfect), auc_pd_tau and auc_pf_tau (mean "
         "normalised score of anomaly and of background pixels), snpr (their ratio), "
         "anomaly_pixels and valid_pixels; then what a threshold finds: at background "
         "false-alarm rates 0.1 % and 1 % (the threshold set on the background's own scores so "
         "that at most that share of it is flagged), the share of anomaly pixels flagged "
         "(pixels_found_...) and the truth objects (8-connected groups of anomaly pixels) with "
         "at least one flagged pixel (objects_found_..., out of truth_objects); "
         "partial_auc_1pct is the ROC area over false-alarm rates 0-1 % divided by 0.01 "
         "(1 is perfect, 0.005 chance)."),
        ("ROC curve", "Optional PNG: detection rate against false-alarm rate (log scale) for "
         "every score raster."),
    )

    def define(self) -> None:
        h = dict(self.help_items)
        self.add(QgsProcessingParameterMultipleLayers("INPUT", "Anomaly scores",
                                                      RASTER_SOURCE),
                 help_text=h["Anomaly scores"])
        self.add(QgsProcessingParameterRasterLayer("TRUTH", "Ground truth"),
                 help_text=h["Ground truth"])
        self.add(QgsProcessingParameterFeatureSink("OUTPUT", "AUC table", VECTOR_SOURCE),
                 help_text=h["AUC table"])
        self.add(QgsProcessingParameterFileDestination("ROC_CURVE", "ROC curve",
                                                       "PNG files (*.png)", optional=True),
                 help_text=h["ROC curve"])
        self.addOutput(QgsProcessingOutputNumber("AUC_ROC", "ROC AUC of the first score raster"))

    def execute(self, parameters, context, feedback) -> dict:
        scores = self.raster_sources(parameters, "INPUT", context)
        truth = self.raster_source(parameters, "TRUTH", context)
        inputs = scores + [truth]
        plot = self.parameterAsFileOutput(parameters, "ROC_CURVE", context)
        if plot:  # before any work: never onto a score, the truth or their side-cars
            check_picture_output(plot, inputs)
        self.log_versions(feedback)
        self._warn_if_grids_differ(parameters, context, feedback)
        rows, curves = [], {}
        for done, path in enumerate(scores):
            if feedback.isCanceled():
                raise QgsProcessingException("Cancelled; no output was written.")
            feedback.setProgress(100.0 * done / (len(scores) + 1))
            feedback.pushInfo(describe_provenance(path))
            found: dict = {}
            row = evaluate_score_raster(path, truth, curves=found)
            row.model_version = score_provenance(path)["model_version"] or None
            label = row.method or os.path.splitext(os.path.basename(path))[0]
            if len(scores) > 1 and row.method:
                label = f"{row.method} ({os.path.basename(path)})"
            curves[(truth, label)] = next(iter(found.values()))
            low, high = row.at(1e-3), row.at(1e-2)
            feedback.pushInfo(f"{row.scene}: ROC AUC {row.auc_roc:.4f}, AUC(Pd,tau) "
                              f"{row.auc_pd_tau:.4f}, AUC(Pf,tau) {row.auc_pf_tau:.4f}, SNPR "
                              f"{row.snpr:.3g} ({row.anomalies} anomaly of {row.pixels} pixels); "
                              f"objects found {low['objects_found']} of {low['objects']} at "
                              f"0.1 % false alarms, {high['objects_found']} at 1 %")
            rows.append(row)
        if feedback.isCanceled():
            raise QgsProcessingException("Cancelled; no output was written.")
        table = StagedSink(self, parameters, "OUTPUT", context, sink_fields(), NO_GEOMETRY,
                           inputs)
        try:
            for row in rows:
                feature = QgsFeature(sink_fields())
                low, high = row.at(1e-3), row.at(1e-2)
                feature.setAttributes([row.scene, row.method, row.model_version or "",
                                       row.auc_roc, row.auc_pd_tau, row.auc_pf_tau, row.snpr,
                                       row.anomalies, row.pixels, row.partial_auc,
                                       low["pixels_found"], low["objects_found"],
                                       high["pixels_found"], high["objects_found"],
                                       low["objects"]])
                table.sink.addFeature(feature, QgsFeatureSink.Flag.FastInsert)
            if plot:
                write_roc_picture(curves, plot, inputs, overwrite=True)
            dest = table.commit()
        except BaseException:
            table.discard()
            raise
        feedback.setProgress(100.0)
        return {"OUTPUT": dest, "ROC_CURVE": plot or None, "AUC_ROC": rows[0].auc_roc}

    def _warn_if_grids_differ(self, parameters, context, feedback) -> None:
        truth = self.parameterAsRasterLayer(parameters, "TRUTH", context)
        for layer in self.parameterAsLayerList(parameters, "INPUT", context):
            if truth is not None and (layer.extent() != truth.extent()
                                      or layer.crs() != truth.crs()):
                feedback.pushWarning(f"{layer.name()}: extent or CRS differs from the ground "
                                     "truth; pixels are compared by row and column")


def sink_fields() -> QgsFields:
    fields = QgsFields()
    for name, kind in COLUMNS:
        fields.append(QgsField(name, kind))
    return fields
