"""Is a batch output already there and complete? What an interrupted run leaves behind.

A batch replaces, resumes or skips only what hsad provably wrote: a raster with hsad's
``HSAD_*`` metadata naming this scene. Anything else at an output name (a file GDAL cannot open,
a text file, a PDF, a half-synced copy, a link, a FIFO) is foreign and left as it is, with
``--overwrite`` too, and the scene is reported.

An output only ever appears at its final name through the writer's atomic rename, after its
statistics are recorded in the file. So a file at the output name is complete when it is an
hsad score raster of *this* scene, made with *these* settings and (for a learned detector) the
model now installed, and its pixels read back to the
valid-pixel count recorded at commit time (which catches a file emptied or cut short by a power
loss before the data reached the disk). Temporary files of a killed run are removed by the
staging rule (:func:`hsad.engine.outputs.staging.remove_leftovers`) before the scene is scored
again.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from ..errors import HsadError
from ..outputs.score_raster import ScoreSummary, valid_pixel_problem
from ..provenance import Provenance
from ..scenes.checks import check_regular_file, file_kind

# What changes the scores (tile size and device do not, by design).
RESULT_SETTINGS = ("method", "bands", "drop_bad_bands", "nodata", "options", "scene")

MISSING, COMPLETE, BROKEN = "missing", "complete", "broken"  # broken: ours, unfinished or damaged
# other settings; not provably this scene's hsad scores (never replaced, even with overwrite)
DIFFERENT, FOREIGN = "different", "foreign"


@dataclass
class ExistingOutput:
    """What is at an output path: ``state`` (one of the constants above) and why."""

    state: str
    reason: str = ""
    provenance: Provenance = field(default_factory=Provenance)

    @property
    def summary(self) -> ScoreSummary:
        """The score statistics the file recorded when it was written."""
        stats = self.provenance.statistics
        percentiles = {k: v for k, v in stats.items() if k.startswith("p")}
        return ScoreSummary(int(stats.get("valid_pixels", 0)), stats.get("min", float("nan")),
                            stats.get("max", float("nan")), stats.get("mean", float("nan")),
                            percentiles)


def request_of(params) -> dict:
    """The settings of a run that an output must match to be reused (JSON-comparable): the
    method's options with their defaults filled in, so 'lrx' and 'lrx with windows 5/21' (what
    Processing always sends) are the same request."""
    request = params.request()
    return json.loads(json.dumps({k: request[k] for k in RESULT_SETTINGS}))


def _recorded_request(provenance: Provenance) -> dict:
    """The request a file records, in today's form (files of hsad 0.1 kept the local RX
    windows as top-level 'inner'/'outer'; options a method gained later, such as twobranch's
    local_background, take the default that reproduces what the file was made with)."""
    recorded = dict(provenance.request)
    recorded.setdefault("method", provenance.method)
    options = recorded.get("options")
    if options is None:
        options = {k: recorded.get(k) for k in ("inner", "outer") if recorded.get(k) is not None}
    try:  # options added since the file was written read as their defaults (what it used)
        from ..methods import method_options
        recorded["options"] = method_options(recorded["method"], options)
    except HsadError:
        recorded["options"] = options
    return json.loads(json.dumps({k: recorded.get(k) for k in RESULT_SETTINGS}))


def inspect_output(output: str, scene: str, params) -> ExistingOutput:
    """Classify the file at ``output`` for a run of ``params`` on ``scene``."""
    if not os.path.lexists(output):
        return ExistingOutput(MISSING)
    if os.path.islink(output) or file_kind(output):  # never opened: a FIFO would block
        what = "a symbolic link" if os.path.islink(output) else file_kind(output)
        return ExistingOutput(FOREIGN, f"is {what}, not a score raster hsad wrote")
    try:
        check_regular_file(output)  # nor a FIFO or device beside it (.aux.xml, .ovr)
    except HsadError as exc:
        return ExistingOutput(FOREIGN, str(exc).split(": ", 1)[-1])
    from ..gdal_env import gdal
    from ..outputs.ownership import gdal_name
    g = gdal()
    try:
        ds = g.OpenEx(gdal_name(output), g.OF_RASTER | g.OF_READONLY)
        provenance = Provenance.from_metadata(ds.GetMetadata() or {})
        ds = None
    except RuntimeError as exc:  # a text file, a PDF, a half-synced copy: nothing says it is ours
        return ExistingOutput(FOREIGN, "is not a raster GDAL can open, so not provably an hsad "
                              f"output ({' '.join(str(exc).split())[:120]})")
    if not provenance.made_by_hsad:
        return ExistingOutput(FOREIGN, "is not an hsad score raster")
    if os.path.abspath(provenance.source) != os.path.abspath(scene):
        return ExistingOutput(FOREIGN, f"holds the scores of another scene ({provenance.source})")
    if "valid_pixels" not in provenance.statistics:
        return ExistingOutput(BROKEN, "was not finished")
    recorded = _recorded_request(provenance)
    wanted = request_of(params)
    if recorded != wanted:
        changed = ", ".join(f"{k} {recorded.get(k)!r} (now {wanted[k]!r})" for k in wanted
                            if recorded.get(k) != wanted[k])
        return ExistingOutput(DIFFERENT, f"was made with other settings: {changed}", provenance)
    if provenance.model_version:
        current_model = current_model_version(params)
        if provenance.model_version != current_model:
            return ExistingOutput(DIFFERENT, f"was made with model {provenance.model_version} "
                                  f"(now {current_model or 'none'})", provenance)
    problem = valid_pixel_problem(output, int(provenance.statistics["valid_pixels"]))
    if problem:
        return ExistingOutput(BROKEN, problem, provenance)
    return ExistingOutput(COMPLETE, "", provenance)


def current_model_version(params) -> str:
    """The model version this run's detector would record ('' for a detector without one)."""
    from ..methods import installed_model_version
    return installed_model_version(params.method, params.method_options())
