"""Running a batch: one scene at a time in this process, or many at once on Dask.

Every scene goes through :func:`process_scene`, wherever it runs, so a Dask worker does exactly
what the serial loop does: clean up after an interrupted run, skip a complete output, score the
scene through :func:`~hsad.engine.pipeline.detect_scene`, and turn any failure into a record
instead of an exception. Only a cancel (or Ctrl-C) stops the batch; the summary is written anyway.
"""
from __future__ import annotations

import logging
import os
import time
import traceback
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import asdict
from typing import Callable, Iterator, Optional, Sequence

from ..errors import Cancelled, DependencyError, HsadError, OutputError
from ..pipeline import DetectParameters, detect_scene
from ..tiling import Progress
from .discovery import SceneJob
from ..outputs.ownership import is_hsad_style
from ..outputs.staging import remove_leftovers
from .existing import BROKEN, COMPLETE, DIFFERENT, FOREIGN, MISSING, inspect_output
from .lock import output_lock
from .summary import (CANCELLED, DONE, FAILED, SKIPPED, SUMMARY_NAMES, BatchSummary,
                      SceneRecord, is_batch_summary, write_summary)

Log = Callable[[str], None]


def process_scene(job: SceneJob, params: DetectParameters, overwrite: bool = False,
                  progress: Optional[Progress] = None, write_style: bool = True,
                  threshold=None) -> SceneRecord:
    """Score one scene of a batch unless its output is already complete; with a
    ``threshold`` rule, also its mask and objects (:func:`threshold_outputs`), written again
    whenever the score is, and when one of them is missing.

    Never raises for the scene's own problems: the record carries the one-line error, and its
    ``notes`` what happened on the way (a worker process has no log of the caller's to write to).
    """
    started = time.perf_counter()
    record = SceneRecord(job.name, FAILED, job.output_name, params.method)
    note = record.notes.append
    try:
        with output_lock(job.output):  # another batch on this output: OutputBusy, nothing touched
            for path in remove_leftovers(job.output):
                note(f"removed {path}, left by an interrupted run")
            existing = inspect_output(job.output, job.scene, params)
            replace = overwrite and existing.state != MISSING
            if existing.state == FOREIGN:  # not this scene's hsad scores: never replaced
                raise OutputError(f"{job.output}: {existing.reason}; it is left as it is "
                                  "(move it, or choose another output folder)")
            if existing.state == COMPLETE and not overwrite:
                if threshold is not None:
                    _threshold(job, threshold, record, rescored=False)
                _skipped(record, job, existing, write_style)
                record.seconds = time.perf_counter() - started
                return record
            if existing.state == BROKEN:
                note(f"{job.output} {existing.reason}; scoring it again")
                replace = True
            elif existing.state == DIFFERENT and not overwrite:
                raise OutputError(f"{job.output}: {existing.reason} "
                                  "(use overwrite to replace it)")
            if write_style:  # the output will be written: so would its style
                check_style_side_car(job.output)
            result = detect_scene(job.scene, job.output, params, overwrite=replace,
                                  progress=progress, log=note, write_style=write_style)
            record.notes.extend(result.notices)
            if threshold is not None:
                _threshold(job, threshold, record, rescored=True)
        record.status, record.model_version, record.device = DONE, result.model_version or "", \
            result.device
        record.statistics = result.summary.as_dict()
    except (Cancelled, KeyboardInterrupt):
        raise
    except HsadError as exc:
        record.error = str(exc)
    except Exception as exc:  # a bug or the environment: still only this scene's problem
        note(traceback.format_exc().rstrip())
        record.error = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
    record.seconds = time.perf_counter() - started
    return record


def check_style_side_car(output: str) -> None:
    """A batch replaces only what hsad provably wrote: a style beside an output that is not one
    of hsad's (a user's own .qml) stays, and the scene is reported instead."""
    style = os.path.splitext(output)[0] + ".qml"
    if os.path.lexists(style) and not is_hsad_style(style):
        raise OutputError(f"{style}: exists and is not a style hsad wrote; it is left as it is "
                          "(move it, or choose another output folder)")


def run_batch(jobs: Sequence[SceneJob], output_dir: str, params: DetectParameters,
              overwrite: bool = False, workers: int = 1, scheduler: Optional[str] = None,
              progress: Optional[Progress] = None, log: Optional[Log] = None,
              debug: Optional[Log] = None, input_dir: str = "",
              write_style: bool = True, passed_over: Sequence = (),
              threshold=None) -> BatchSummary:
    """Score every job and write ``summary.csv``/``summary.json`` into ``output_dir``.

    ``workers`` 1 with no ``scheduler`` runs in this process (progress within each scene, cancel
    within a tile); ``workers`` > 1 starts a local Dask cluster of that many single-threaded
    processes on 127.0.0.1; ``scheduler`` (``tcp://host:port``) uses an existing Dask cluster,
    whose workers must see the same paths. ``log`` gets a line per scene, ``debug`` the details.
    A cancel or Ctrl-C stops the batch, marks the scenes not run as cancelled, writes the summary
    and re-raises. ``passed_over`` (:class:`~.discovery.PassedOver`, from ``plan_folder``): files
    of the input folder that are not scenes, listed in the summary as skipped with the reason.
    ``threshold``: a ThresholdRule to also write each scene's mask and objects.
    """
    log = log or (lambda message: None)
    debug = debug or (lambda message: None)
    for name in SUMMARY_NAMES:  # before any scene: a summary of the user's own is never replaced
        path = os.path.join(output_dir, name)
        if os.path.lexists(path) and not is_batch_summary(path):
            raise OutputError(f"{path}: exists and is not an hsad batch summary; move it away "
                              "or choose another output folder")
    started = time.perf_counter()
    records: list = [SceneRecord(j.name, CANCELLED, j.output_name, params.method) for j in jobs]
    tracker = _Progress(progress, len(jobs))
    try:
        with ExitStack() as stack:
            if scheduler or workers > 1:
                client = stack.enter_context(_dask_client(workers, scheduler, debug))
                results = _on_dask(client, jobs, params, overwrite, write_style, threshold)
                where = f"dask {scheduler}" if scheduler else \
                    f"local dask cluster of {workers} workers"
            else:
                results = _in_process(jobs, params, overwrite, tracker, write_style, threshold)
                where = "serial"
            try:
                os.makedirs(output_dir, exist_ok=True)
            except OSError as exc:
                raise OutputError(f"{output_dir}: cannot create the output folder "
                                  f"({exc.strerror})") from None
            listed = records + [SceneRecord(p.name, SKIPPED, "", params.method, reason=p.reason)
                                for p in passed_over]
            summary = BatchSummary(input_dir, os.path.abspath(output_dir), asdict(params), listed,
                                   workers=where)
            for record in listed[len(records):]:
                log(_describe(record))
            try:
                for index, record in results:
                    records[index] = listed[index] = record
                    log(_describe(record))
                    for note in record.notes:
                        debug(f"{record.scene}: {note}")
                    tracker.scene_finished()
            except BaseException:  # cancel, Ctrl-C: the summary still says what was done
                _finish(summary, results, started, log, interrupted=True)
                raise
            _finish(summary, results, started, log, interrupted=False)
    finally:
        if workers > 1 and not scheduler:  # our local workers are gone: their locks are stale
            for job, record in zip(jobs, records):
                if record.status == CANCELLED:
                    remove_leftovers_unless_busy(job.output)
    return summary


def remove_leftovers_unless_busy(output: str) -> None:
    """Clean up after a cancelled scene, unless another batch is writing that output now."""
    try:
        with output_lock(output):
            remove_leftovers(output)
    except HsadError:
        pass


def _finish(summary: BatchSummary, results, started: float, log: Log, interrupted: bool) -> None:
    """Stop the scene iterator and write the summary; while interrupted, a summary that cannot
    be written is reported instead of replacing the interruption."""
    results.close()
    summary.seconds = time.perf_counter() - started
    try:
        write_summary(summary)
    except HsadError as exc:
        if not interrupted:
            raise
        log(f"the summary could not be written ({exc})")


def _in_process(jobs, params, overwrite, tracker, write_style, threshold) -> Iterator[tuple]:
    for index, job in enumerate(jobs):
        yield index, process_scene(job, params, overwrite, tracker.within_scene(), write_style,
                                   threshold)


def _on_dask(client, jobs, params, overwrite, write_style, threshold) -> Iterator[tuple]:
    from distributed import as_completed
    run = uuid.uuid4().hex[:12]  # keys unique per run: two batches may share a scheduler
    futures = {client.submit(process_scene, job, params, overwrite, write_style=write_style,
                             threshold=threshold,
                             key=f"hsad-{run}-scene-{index}-{job.name}", pure=False): index
               for index, job in enumerate(jobs)}
    try:
        for future in as_completed(futures):
            index = futures[future]
            try:
                yield index, future.result()
            except Exception as exc:  # the worker died, or could not run hsad at all
                yield index, _worker_failure(jobs[index], params, exc)
    finally:
        client.cancel(list(futures))


@contextmanager
def _dask_client(workers: int, scheduler: Optional[str], log: Log):
    """A Dask client on the given scheduler, or on a local cluster that lives as long as it."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise DependencyError("--workers above 1 and --scheduler need Dask's distributed "
                              "package: sudo apt-get install python3-distributed") from None
    if not scheduler:
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          host="127.0.0.1", dashboard_address=None,
                          silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
            log(f"local Dask cluster of {workers} worker processes at {cluster.scheduler_address}")
            yield client
        return
    try:
        client = Client(scheduler)
    except Exception as exc:  # OSError, TimeoutError, ValueError for a malformed address
        raise HsadError(f"{scheduler}: cannot reach the Dask scheduler "
                        f"({' '.join(str(exc).split()) or type(exc).__name__})") from None
    with client:
        if not client.scheduler_info().get("workers"):
            try:
                client.wait_for_workers(1, timeout=_connect_timeout())
            except TimeoutError:
                raise HsadError(f"{scheduler}: the Dask scheduler has no workers; start some "
                                "with dask_worker (see hsad batch --help)") from None
        log(f"Dask scheduler {scheduler} with {len(client.scheduler_info()['workers'])} worker(s)")
        yield client


def _connect_timeout() -> float:
    """Dask's own connect timeout (``distributed.comm.timeouts.connect``), in seconds."""
    import dask
    from dask.utils import parse_timedelta
    return parse_timedelta(dask.config.get("distributed.comm.timeouts.connect", "30s"))


def _skipped(record: SceneRecord, job: SceneJob, existing, write_style: bool) -> SceneRecord:
    """The record of a scene whose complete output is kept (its style restored if missing)."""
    summary = existing.summary
    style = os.path.splitext(job.output)[0] + ".qml"
    if write_style and not os.path.exists(style) and summary.valid_pixels:
        from ..outputs.style import write_score_style
        write_score_style(job.output, summary)
    record.status = SKIPPED
    record.reason = "its output is complete"
    record.model_version = existing.provenance.model_version
    record.device = existing.provenance.device
    record.statistics = summary.as_dict()
    return record


def threshold_outputs(score: str) -> tuple:
    """(mask, objects) of a batch's score raster: ``<stem>_mask.tif``, ``<stem>_objects.gpkg``."""
    stem = os.path.splitext(score)[0]
    return stem + "_mask.tif", stem + "_objects.gpkg"


def _threshold(job: SceneJob, rule, record: SceneRecord, rescored: bool) -> None:
    """The scene's mask and objects by the engine's one thresholding function (as hsad
    threshold and Processing); kept when the score was kept and both are there."""
    from ..threshold import threshold_score_raster
    mask, objects = threshold_outputs(job.output)
    if not rescored and os.path.exists(mask) and os.path.exists(objects):
        record.threshold = {"mask": os.path.basename(mask), "objects": os.path.basename(objects),
                            "kept": True}
        return
    for path in (mask, objects):
        for left in remove_leftovers(path):
            record.notes.append(f"removed {left}, left by an interrupted run")
    result = threshold_score_raster(job.output, mask, objects, rule, overwrite=True,
                                    log=record.notes.append)
    record.threshold = {"mask": os.path.basename(mask), "objects": os.path.basename(objects),
                        "rule": result.rule, "anomaly_pixels": result.mask_pixels,
                        "object_count": len(result.objects)}


def _worker_failure(job: SceneJob, params: DetectParameters, exc: Exception) -> SceneRecord:
    message = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, ModuleNotFoundError) or "No module named" in message:
        message += (" (start the Dask workers with the Python that has hsad, e.g. "
                    ".venv/bin/python -m distributed.cli.dask_worker SCHEDULER_ADDRESS)")
    return SceneRecord(job.name, FAILED, job.output_name, params.method,
                       error=f"Dask worker: {type(exc).__name__}: {message}")


def _describe(record: SceneRecord) -> str:
    if record.status == FAILED:
        return f"{record.scene}: failed: {record.error}"
    if record.status == SKIPPED and not record.output:
        return f"{record.scene}: skipped, {record.reason}"
    if record.status == SKIPPED:
        return f"{record.scene}: skipped, {record.output} is complete"
    return f"{record.scene}: {record.output} in {record.seconds:.1f} s"


class _Progress:
    """One progress callback over a whole batch: finished scenes plus the share of the current."""

    def __init__(self, progress: Optional[Progress], total: int):
        self._progress = progress
        self._total = max(total, 1)
        self._done = 0

    def within_scene(self) -> Optional[Progress]:
        if self._progress is None:
            return None
        return lambda fraction: self._report(self._done + fraction)

    def scene_finished(self) -> None:
        self._done += 1
        if self._report(self._done) is False:
            raise Cancelled()

    def _report(self, done: float):
        return self._progress(min(done / self._total, 1.0)) if self._progress else True
