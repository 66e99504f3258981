"""One way through: a scene in, a detector run tile by tile, a score raster out.

The Processing algorithms, the command line and batch workers all call :func:`detect_scene`;
evaluation and research call :func:`~hsad.engine.scoring.score_scene` on open scenes. Memory is
bounded by the tile size (:mod:`.scoring`).
"""
from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Optional, Sequence

import numpy as np

from ..version import __version__
from .methods import detector_class
from .methods.base import Detector
from .methods.parameters import DetectParameters
from .outputs.score_raster import ScoreSummary, ScoreWriter
from .provenance import Provenance
from .scenes.raster import open_scene
from .scoring import check_run_memory, score_scene
from .tiling import Progress

Log = Callable[[str], None]


@dataclass
class DetectionResult:
    """What a run produced, small enough to log, return from Processing or send over Dask."""

    input: str
    output: str
    method: str
    seconds: float
    rows: int
    cols: int
    bands: int
    summary: ScoreSummary = field(default_factory=ScoreSummary)
    model_version: Optional[str] = None
    device: str = "cpu"
    parameters: dict = field(default_factory=dict)
    dropped_bands: dict = field(default_factory=dict)
    style: Optional[str] = None
    notices: list = field(default_factory=list)  # what the user should know about the input

    def as_dict(self) -> dict:
        d = asdict(self)
        d["summary"] = self.summary.as_dict()
        return d


def detect_scene(input_path: str, output_path: str, params: Optional[DetectParameters] = None,
                 overwrite: bool = False, progress: Optional[Progress] = None,
                 log: Optional[Log] = None, write_style: bool = True,
                 protect: Sequence[str] = ()) -> DetectionResult:
    """Score one scene file and write the score raster (atomically) with its style side-car.

    ``protect``: more files the output must never replace (a batch's other scenes)."""
    from .outputs.style import write_score_style
    params = params or DetectParameters()
    log = log or (lambda message: None)
    started = time.perf_counter()
    detector = params.detector()
    with open_scene(input_path, bands=params.bands, drop_bad_bands=params.drop_bad_bands,
                    min_bands=detector.min_bands, nodata=params.nodata, scoring=True,
                    covariance=detector.fits_band_covariance, options=params.scene) as scene:
        info = scene.info
        check_run_memory(detector, info, params.tile_size)
        log(f"{input_path}: {info.rows} x {info.cols} pixels, {info.bands} of {info.file_bands} "
            f"bands used" + (f" (dropped: {_describe_dropped(info.dropped_bands)})"
                             if info.dropped_bands else ""))
        if params.nodata is not None:
            log(f"a band holding {params.nodata:g} counts as nodata (as asked)")
        inputs = list(getattr(scene, "file_list", None) or [input_path]) + params.scene.files()
        provenance = Provenance(method=params.method, source=os.path.abspath(input_path),
                                request=params.request(),
                                parameters={**detector.parameters,
                                            "bands": [b + 1 for b in info.band_indices]},
                                area=selection_record(scene, log))
        with ScoreWriter(output_path, info, inputs=list(inputs) + list(protect),
                         overwrite=overwrite, description=params.score_description(),
                         metadata=provenance.metadata(), style=write_style) as writer:
            stats = score_scene(scene, detector, writer.write, tile_size=params.tile_size,
                                progress=progress, log=log)
            notices = [undeclared_fill_notice(info, stats, params.nodata),
                       missing_wavelengths_notice(info)]
            provenance.model_version = detector.model_version or ""
            provenance.parameters.update(detector.parameters)  # some resolve theirs in the run
            provenance.device = detector.device
            for key, value in provenance.metadata(final=True).items():
                writer.set_metadata(key, value)
            summary = writer.commit()
    style = write_score_style(output_path, summary) if write_style and summary.valid_pixels else None
    notices = [n for n in notices if n]  # the caller shows them: a warning, not a log line
    return DetectionResult(input_path, output_path, params.method, time.perf_counter() - started,
                           info.rows, info.cols, info.bands, summary, detector.model_version,
                           detector.device, detector.parameters, info.dropped_bands, style,
                           notices)


# Raw values that files use to fill where there is no data, when they do not declare it.
FILL_LOW, FILL_HIGH = -999.0, 32767.0


def undeclared_fill_notice(info, stats, extra_nodata: Optional[float]) -> str:
    """A hint when every band reaches the same extreme value the file does not call nodata
    (a -9999 border is then scored as data and dominates the scene statistics); '' otherwise."""
    if info.nodata is not None or extra_nodata is not None or stats.count == 0:
        return ""
    if info.scale is not None or info.scale_note or len(stats.minimum) < 2:
        return ""  # values are rescaled on reading: the raw fill value is not known here
    for values, is_fill in ((stats.minimum, lambda v: v <= FILL_LOW),
                            (stats.maximum, lambda v: v >= FILL_HIGH)):
        if np.all(values == values[0]) and is_fill(values[0]):
            value = float(values[0])
            return (f"every band of {info.path} reaches {value:g}, which the file does not "
                    f"declare as nodata: if it is a fill value, those pixels were scored as data; "
                    f"run again with --nodata {value:g} (Processing: Extra nodata value)")
    return ""


# Beyond this many bands a scene is an imaging spectrometer's, and its bands placed by position
# instead of wavelength are a loss worth a word.
WAVELENGTH_NOTICE_BANDS = 50


def missing_wavelengths_notice(info) -> str:
    """A hint when a many-band scene has no wavelengths (a mosaic or cut lost them)."""
    if info.file_spectral.has_wavelengths or info.file_bands <= WAVELENGTH_NOTICE_BANDS:
        return ""
    return (f"{info.path} has {info.file_bands} bands but no wavelengths, so its bands were "
            "placed by position; if a mosaic or a conversion lost them, give them back with "
            "--wavelengths FILE (Processing: Wavelengths file): an ENVI header, a CSV or band "
            "table, or an original tile of the product")


def selection_record(scene, log: Log) -> dict:
    """What the area of interest and masks left out (logged; {} for a whole scene)."""
    record = getattr(scene, "record", None)
    if record is None:
        return {}
    from .scenes.selection import describe_record
    found = record()
    for line in describe_record(found):
        log(line)
    return found


def _describe_dropped(dropped: dict) -> str:
    return "; ".join(f"{len(v)} {k}" for k, v in dropped.items())
