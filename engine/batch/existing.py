"""Is a batch output already there and complete? What an interrupted run leaves behind.

An output only ever appears at its final name through the writer's atomic rename, after its
statistics are recorded in the file. So a file at the output name is complete when it is an
hsad score raster of *this* scene, made with *these* settings and (for a learned detector) the
model now installed, and its pixels read back to the
valid-pixel count recorded at commit time (which catches a file emptied or cut short by a power
loss before the data reached the disk). Temporary files of a killed run (``.<name>.hsad-partial-*``)
are hidden from scene discovery and removed before the scene is scored again.
"""
from __future__ import annotations

import glob
import json
import os
from dataclasses import dataclass, field

import numpy as np

from ..outputs.score_raster import NODATA, PARTIAL_TAG, ScoreSummary

# DetectParameters fields that change the scores (tile size and device do not, by design).
RESULT_SETTINGS = ("method", "bands", "drop_bad_bands", "inner", "outer", "nodata")

MISSING, COMPLETE, BROKEN = "missing", "complete", "broken"  # broken: ours, unfinished or damaged
DIFFERENT, FOREIGN = "different", "foreign"  # other settings; not this scene's scores


@dataclass
class ExistingOutput:
    """What is at an output path: ``state`` (one of the constants above) and why."""

    state: str
    reason: str = ""
    metadata: dict = field(default_factory=dict)

    @property
    def summary(self) -> ScoreSummary:
        """The score statistics the file recorded when it was written."""
        md = self.metadata
        stats = {k[len("HSAD_SCORE_"):].lower(): float(v) for k, v in md.items()
                 if k.startswith("HSAD_SCORE_")}
        percentiles = {k: v for k, v in stats.items() if k.startswith("p")}
        return ScoreSummary(int(stats.get("valid_pixels", 0)), stats.get("min", float("nan")),
                            stats.get("max", float("nan")), stats.get("mean", float("nan")),
                            percentiles)


def request_of(params) -> dict:
    """The settings of a run that an output must match to be reused (JSON-comparable).

    Local RX windows count only for local RX, with its defaults filled in, so 'lrx' and 'lrx
    with windows 5/21' (what Processing always sends) are the same request.
    """
    from dataclasses import asdict
    request = {k: v for k, v in asdict(params).items() if k in RESULT_SETTINGS}
    return json.loads(json.dumps(_normalised(request)))


def _normalised(request: dict) -> dict:
    request = dict(request)
    if request.get("method") == "lrx":
        from ..detectors.local_rx import DEFAULT_INNER, DEFAULT_OUTER
        request["inner"] = DEFAULT_INNER if request.get("inner") is None else request["inner"]
        request["outer"] = DEFAULT_OUTER if request.get("outer") is None else request["outer"]
    else:
        request["inner"] = request["outer"] = None
    return request


def inspect_output(output: str, scene: str, params) -> ExistingOutput:
    """Classify the file at ``output`` for a run of ``params`` on ``scene``."""
    if not os.path.lexists(output):
        return ExistingOutput(MISSING)
    from ..gdal_env import gdal
    g = gdal()
    try:
        ds = g.OpenEx(output, g.OF_RASTER | g.OF_READONLY)
    except RuntimeError as exc:
        return ExistingOutput(BROKEN, f"unreadable ({' '.join(str(exc).split())[:120]})")
    metadata = ds.GetMetadata() or {}
    if not metadata.get("HSAD_METHOD"):
        return ExistingOutput(FOREIGN, "is not an hsad score raster")
    source = metadata.get("HSAD_SOURCE", "")
    if os.path.abspath(source) != os.path.abspath(scene):
        return ExistingOutput(FOREIGN, f"holds the scores of another scene ({source})")
    if "HSAD_SCORE_VALID_PIXELS" not in metadata:
        return ExistingOutput(BROKEN, "was not finished")
    recorded = _recorded_request(metadata)
    wanted = request_of(params)
    if recorded != wanted:
        changed = ", ".join(f"{k} {recorded.get(k)!r} (now {wanted[k]!r})" for k in wanted
                            if recorded.get(k) != wanted[k])
        return ExistingOutput(DIFFERENT, f"was made with other settings: {changed}", metadata)
    recorded_model = metadata.get("HSAD_MODEL_VERSION", "")
    if recorded_model:
        current_model = current_model_version(params)
        if recorded_model != current_model:
            return ExistingOutput(DIFFERENT, f"was made with model {recorded_model} (now "
                                  f"{current_model or 'none'})", metadata)
    problem = _pixel_problem(ds, int(float(metadata["HSAD_SCORE_VALID_PIXELS"])))
    if problem:
        return ExistingOutput(BROKEN, problem, metadata)
    return ExistingOutput(COMPLETE, "", metadata)


def current_model_version(params) -> str:
    """The model version this run's detector would record ('' for a detector without one)."""
    from ..detectors import installed_model_version
    return installed_model_version(params.method)


def remove_partials(output: str) -> list:
    """Delete what an interrupted write of ``output`` may have left; returns what was removed."""
    folder, name = os.path.split(output)
    stem = os.path.splitext(name)[0]
    patterns = [os.path.join(glob.escape(folder), f".{glob.escape(stem)}{PARTIAL_TAG}-*"),
                glob.escape(os.path.join(folder, stem)) + ".qml.partial"]
    removed = []
    for path in sorted({p for pattern in patterns for p in glob.glob(pattern)}):
        try:
            os.remove(path)
            removed.append(path)
        except OSError:
            pass
    return removed


def make_durable(paths: list) -> None:
    """Flush finished files and their folder to disk, so a power loss cannot undo them."""
    folders = set()
    for path in paths:
        if path and os.path.exists(path):
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
            folders.add(os.path.dirname(os.path.abspath(path)))
    for folder in folders:
        try:
            fd = os.open(folder, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)


def _recorded_request(metadata: dict) -> dict:
    try:
        recorded = json.loads(metadata.get("HSAD_REQUEST", ""))
    except ValueError:
        recorded = {}
    if not isinstance(recorded, dict):
        recorded = {}
    recorded.setdefault("method", metadata.get("HSAD_METHOD"))
    return _normalised({k: recorded.get(k) for k in RESULT_SETTINGS})


def _pixel_problem(ds, expected_valid: int, strip_rows: int = 256) -> str:
    """'' when every block decodes and the valid pixels add up; else what is wrong."""
    band = ds.GetRasterBand(1)
    valid = 0
    try:
        for row in range(0, ds.RasterYSize, strip_rows):
            rows = min(strip_rows, ds.RasterYSize - row)
            block = band.ReadAsArray(0, row, ds.RasterXSize, rows)
            valid += int(np.count_nonzero(np.isfinite(block) & (block != NODATA)))
    except RuntimeError as exc:
        return f"cannot be read back ({' '.join(str(exc).split())[:120]})"
    if valid != expected_valid:
        return f"holds {valid} valid pixels but recorded {expected_valid}"
    return ""
