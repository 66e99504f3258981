"""Scoring a whole folder of scenes: the one implementation behind ``hsad batch`` and QGIS's
"Detect anomalies in a folder".

Typical use::

    from hsad.engine.batch import plan_batch, run_batch
    from hsad.engine.pipeline import DetectParameters

    params = DetectParameters(method="rx")
    jobs = plan_batch("flights/", "scores/", params.method, pattern="*.bsq", recursive=True)
    summary = run_batch(jobs, "scores/", params, workers=4, progress=..., log=print)
    if summary.failed: ...

:func:`find_scenes` and :func:`plan_outputs` are the two halves of :func:`plan_batch`;
:func:`run_batch` skips complete outputs, so running it again after an interruption finishes
only what is missing, and writes ``summary.csv``/``summary.json`` into the output folder.
"""
from .discovery import (BatchPlan, PassedOver, SceneJob, describe_passed_over, find_scenes,
                        plan_batch, plan_folder, plan_outputs, survey_folder)
from .existing import ExistingOutput, inspect_output
from .runner import process_scene, run_batch
from .summary import (CANCELLED, DONE, FAILED, SKIPPED, BatchSummary, SceneRecord,
                      is_batch_summary, write_summary)

__all__ = ["SceneJob", "find_scenes", "plan_batch", "plan_outputs", "plan_folder",
           "survey_folder", "BatchPlan", "PassedOver", "describe_passed_over", "ExistingOutput",
           "inspect_output", "process_scene", "run_batch", "BatchSummary", "SceneRecord",
           "write_summary", "is_batch_summary", "DONE", "SKIPPED", "FAILED", "CANCELLED"]
