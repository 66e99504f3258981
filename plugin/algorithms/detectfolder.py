"""Detect anomalies in a folder: every scene scored by the engine's batch runner, one summary."""
from __future__ import annotations

import os

from qgis.core import (QgsProcessingContext, QgsProcessingException, QgsProcessingOutputFile,
                       QgsProcessingOutputNumber, QgsProcessingParameterBoolean,
                       QgsProcessingParameterFile, QgsProcessingParameterFolderDestination,
                       QgsProcessingParameterString, QgsProcessingUtils)

from ...engine.batch import DONE, FAILED, SKIPPED, describe_passed_over, plan_folder, run_batch
from ...engine.errors import Cancelled
from ...engine.linalg import reading_core_left
from ..layer_names import layer_name, method_description, scene_name
from ..qgis_enums import FOLDER
from .base import HsadAlgorithm
from .detect import load_score_layer
from .method_parameters import (ADVANCED_HELP, add_method, add_method_options, add_run_settings,
                                detect_parameters, method_check, methods_help, option_help)
from .scene_parameters import SCENE_HELP, add_scene_parameters, scene_options

MAX_LAYERS_LOADED = 20  # more score layers than this would bury the map; the summary lists all


class DetectFolderAlgorithm(HsadAlgorithm):
    algorithm_id = "detectfolder"
    title = "Detect anomalies in a folder"
    summary = ("Scores every scene in a folder, one after the other, into one float32 score "
               "raster per scene with a predictable name, and writes a summary table "
               "(summary.csv, summary.json) of scenes, status, seconds and score statistics. A "
               "scene that fails is reported and the others go on; a rerun skips the scenes "
               "whose score is already complete, so an interrupted batch resumes. A scene "
               "that another batch is scoring at the same moment is left to it and reported.")
    help_items = (
        ("Input folder", "The folder holding the scenes (ENVI data files, GeoTIFFs, MATLAB "
         "files, anything GDAL reads). Side-cars (.hdr, .aux.xml, .qml), the quality layers "
         "of an EnMAP product and rasters hsad wrote are never taken for scenes; the summary "
         "lists the rasters passed over, with the reason."),
        ("File pattern", "Optional shell pattern on file names, such as *.bsq or *_rfl.img "
         "(or on paths relative to the input folder when it holds a /). Empty takes every "
         "raster. With a pattern, a matching file hsad cannot read is reported as failed."),
        ("Include subfolders", "Also search the subfolders; the output folder mirrors them."),
        methods_help(),
    ) + SCENE_HELP + ADVANCED_HELP + option_help() + (
        ("Recompute complete scores", "Score every scene again, replacing outputs that are "
         "already complete (by default they are kept and reported as skipped)."),
        ("Load score layers", f"Add the new score layers to the map, styled (at most "
         f"{MAX_LAYERS_LOADED}; the summary table lists every scene)."),
        ("Output folder", "Where the scores go, named after scene and method (flights/"
         "harbour.bsq scored by global RX gives flights/harbour_rx.tif), each with a .qml style, "
         "plus summary.csv and summary.json. Input files are never replaced, nor any file "
         "hsad did not write (a scene whose output name is taken by one is reported)."),
    )

    def define(self) -> None:
        h = dict(self.help_items)
        self.add(QgsProcessingParameterFile("INPUT", "Input folder",
                                            behavior=FOLDER),
                 help_text=h["Input folder"])
        self.add(QgsProcessingParameterString("PATTERN", "File pattern", optional=True),
                 help_text=h["File pattern"])
        self.add(QgsProcessingParameterBoolean("RECURSIVE", "Include subfolders", False),
                 help_text=h["Include subfolders"])
        add_method(self)
        add_scene_parameters(self)
        add_run_settings(self)
        add_method_options(self)
        self.add(QgsProcessingParameterBoolean("OVERWRITE", "Recompute complete scores", False),
                 advanced=True, help_text=h["Recompute complete scores"])
        self.add(QgsProcessingParameterBoolean("LOAD_LAYERS", "Load score layers", True),
                 advanced=True, help_text=h["Load score layers"])
        self.add(QgsProcessingParameterFolderDestination("OUTPUT", "Output folder"),
                 help_text=h["Output folder"])
        self.addOutput(QgsProcessingOutputFile("SUMMARY", "Summary table (CSV)"))
        for name, label in (("DONE", "Scenes scored"), ("SKIPPED", "Scenes already complete"),
                            ("FAILED", "Scenes that failed")):
            self.addOutput(QgsProcessingOutputNumber(name, label))

    def checkParameterValues(self, parameters, context):  # noqa: N802 (QGIS API)
        ok, message = super().checkParameterValues(parameters, context)
        return method_check(self, parameters, context) if ok else (ok, message)

    def execute(self, parameters, context, feedback) -> dict:
        folder = self.parameterAsFile(parameters, "INPUT", context)
        output = self.parameterAsString(parameters, "OUTPUT", context)
        params = detect_parameters(self, parameters, context)
        params.scene = scene_options(self, parameters, context, feedback)
        self.log_versions(feedback)
        plan = plan_folder(folder, output, params.method,
                           self.parameterAsString(parameters, "PATTERN", context) or None,
                           self.parameterAsBool(parameters, "RECURSIVE", context))
        jobs = plan.jobs
        if not jobs and plan.passed_over:
            raise QgsProcessingException(f"{folder}: no scene to score: "
                                         f"{describe_passed_over(plan.passed_over)}")
        if not jobs:
            raise QgsProcessingException(f"{folder}: no scene found (check the file pattern, or "
                                         "include subfolders)")
        feedback.pushInfo(f"method {method_description(params.method)}")
        feedback.pushInfo(f"{len(jobs)} scene(s) from {folder} into {output}")
        try:
            with reading_core_left():  # as hsad batch runs: BLAS leaves the reader a core
                summary = run_batch(jobs, output, params,
                                    self.parameterAsBool(parameters, "OVERWRITE", context),
                                    progress=self.progress_callback(feedback),
                                    log=feedback.pushInfo, debug=feedback.pushDebugInfo,
                                    input_dir=folder,
                                    passed_over=plan.passed_over)
        except Cancelled:
            raise QgsProcessingException("Cancelled: finished scenes are kept, the scene in "
                                         f"progress was not written; see {output}/summary.csv")
        for record in summary.failed:
            feedback.reportError(f"{record.scene}: {record.error}", fatalError=False)
        devices = sorted({r.device for r in summary.records if r.device})
        models = sorted({r.model_version for r in summary.records if r.model_version})
        feedback.pushInfo(f"{summary.describe()}; device used: {', '.join(devices) or 'none'}; "
                          f"model version: {', '.join(models) or 'none (no learned model)'}")
        summary_csv = os.path.join(output, "summary.csv")
        if self.parameterAsBool(parameters, "LOAD_LAYERS", context):
            self._load(jobs, summary, summary_csv, params.method, context)
        return {"OUTPUT": output, "SUMMARY": summary_csv, "DONE": summary.count(DONE),
                "SKIPPED": summary.count(SKIPPED), "FAILED": summary.count(FAILED)}

    @staticmethod
    def _load(jobs, summary, summary_csv: str, method: str, context) -> None:
        """Styled score layers of the scenes scored now, and the summary as a table."""
        if context.project() is None:
            return
        new = [job for job, record in zip(jobs, summary.records) if record.status == DONE]
        for job in new[:MAX_LAYERS_LOADED]:
            name = layer_name(scene_name(job.scene), "score", method)
            context.addLayerToLoadOnCompletion(job.output, QgsProcessingContext.LayerDetails(
                name, context.project(), "OUTPUT", QgsProcessingUtils.LayerHint.Raster))
            load_score_layer(context, job.output, job.scene, method)
        context.addLayerToLoadOnCompletion(summary_csv, QgsProcessingContext.LayerDetails(
            f"{os.path.basename(os.path.dirname(summary_csv))} batch summary", context.project(),
            "SUMMARY", QgsProcessingUtils.LayerHint.Vector))
