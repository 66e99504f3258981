"""One way through: a scene in, a detector run tile by tile, a score raster out.

The Processing algorithms, the command line and batch workers all call :func:`detect_scene`;
evaluation and training call :func:`score_scene` on scenes in memory. Memory is bounded by the
tile size: no pass holds the whole scene, and features are cached on disk, not in memory.
"""
from __future__ import annotations

import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Optional, Sequence

import numpy as np

from .. import __version__
from .detectors import create_detector, method_info
from .detectors.base import Detector
from .errors import InputError
from .scenes.raster import GdalScene, open_scene
from .scenes.scene import ArrayScene, Scene
from .statistics import BandStatistics, BandStatisticsAccumulator
from .tiling import Progress, ProgressSteps, tiles
from .outputs.score_raster import ScoreSummary, ScoreWriter

DEFAULT_TILE_SIZE = 256
Log = Callable[[str], None]


@dataclass
class DetectParameters:
    """Everything a user can set for one detection run (shared by Processing and the CLI)."""

    method: str = "twobranch"
    bands: Optional[Sequence[int]] = None  # 1-based file bands; None = all usable bands
    drop_bad_bands: bool = True
    tile_size: int = DEFAULT_TILE_SIZE
    device: str = "auto"
    inner: Optional[int] = None  # local RX guard window
    outer: Optional[int] = None  # local RX outer window
    nodata: Optional[float] = None  # a raw value that also means nodata (besides the file's)

    def detector(self) -> Detector:
        extra = {"device": self.device} if method_info(self.method).needs_torch else {}
        return create_detector(self.method, inner=self.inner, outer=self.outer, **extra)


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
                 log: Optional[Log] = None, write_style: bool = True) -> DetectionResult:
    """Score one scene file and write the score raster (atomically) with its style side-car."""
    from .outputs.style import write_score_style
    params = params or DetectParameters()
    log = log or (lambda message: None)
    started = time.perf_counter()
    detector = params.detector()
    with open_scene(input_path, bands=params.bands, drop_bad_bands=params.drop_bad_bands,
                    min_bands=detector.min_bands, nodata=params.nodata) as scene:
        info = scene.info
        log(f"{input_path}: {info.rows} x {info.cols} pixels, {info.bands} of {info.file_bands} "
            f"bands used" + (f" (dropped: {_describe_dropped(info.dropped_bands)})"
                             if info.dropped_bands else ""))
        if params.nodata is not None:
            log(f"a band holding {params.nodata:g} counts as nodata (as asked)")
        inputs = scene.file_list if isinstance(scene, GdalScene) else [input_path]
        metadata = {"HSAD_VERSION": __version__, "HSAD_METHOD": params.method,
                    "HSAD_SOURCE": os.path.abspath(input_path),
                    "HSAD_REQUEST": asdict(params),  # what was asked: batch reruns compare it
                    "HSAD_PARAMETERS": {**detector.parameters,
                                        "bands": [b + 1 for b in info.band_indices]}}
        with ScoreWriter(output_path, info, inputs=inputs, overwrite=overwrite,
                         description=f"anomaly score ({params.method})", metadata=metadata) as writer:
            stats = score_scene(scene, detector, writer.write, tile_size=params.tile_size,
                                progress=progress, log=log)
            notices = [undeclared_fill_notice(info, stats, params.nodata)]
            writer.set_metadata("HSAD_MODEL_VERSION", detector.model_version or "")
            writer.set_metadata("HSAD_DEVICE", detector.device)
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


def score_scene(scene: Scene, detector: Detector, sink: Callable[[np.ndarray, int, int], None],
                tile_size: int = DEFAULT_TILE_SIZE, progress: Optional[Progress] = None,
                log: Optional[Log] = None) -> BandStatistics:
    """Run a detector over a scene and hand each tile's scores (NaN = nodata) to ``sink``."""
    passes = (1.0, 3.0, 3.0) if detector.needs_fit else (1.0, 6.0)
    steps = ProgressSteps(progress, passes)
    stats = band_statistics(scene, tile_size, steps)
    detector.prepare(scene.info, stats)
    if log is not None and detector.input_note():
        log(detector.input_note())
    grid = tiles(scene.info.rows, scene.info.cols, tile_size, detector.halo)
    cache = _FeatureCache() if detector.needs_fit and detector.expensive_features else None
    try:
        if detector.needs_fit:
            for tile in steps.walk(grid):
                cube, valid = _read_filled(scene, tile, stats)
                feats = detector.features(cube, valid)[tile.core]
                detector.fit(feats, valid[tile.core])
                if cache is not None:
                    cache.put(tile, feats)
            detector.finish_fit()
        for tile in steps.walk(grid):
            cube, valid = _read_filled(scene, tile, stats)
            if cache is not None:
                feats, core = cache.get(tile), (slice(None), slice(None))
                valid = valid[tile.core]
            else:
                feats, core = detector.features(cube, valid), tile.core
            scores = detector.score(feats, valid, core)
            scores = np.where(valid[core], scores, np.nan).astype(np.float32)
            sink(scores, tile.row, tile.col)
    finally:
        if cache is not None:
            cache.close()
    return stats


def score_cube(cube: np.ndarray, detector: Detector, tile_size: int = 100000,
               progress: Optional[Progress] = None) -> np.ndarray:
    """Scores of an in-memory (rows, cols, bands) cube; NaN where a pixel is invalid."""
    scene = ArrayScene(cube)
    out = np.full(cube.shape[:2], np.nan, dtype=np.float32)

    def sink(scores, row, col):
        out[row:row + scores.shape[0], col:col + scores.shape[1]] = scores

    score_scene(scene, detector, sink, tile_size=tile_size, progress=progress)
    return out


def band_statistics(scene: Scene, tile_size: int, steps: ProgressSteps) -> BandStatistics:
    """Per-band statistics of every valid pixel (one read of the scene)."""
    info = scene.info
    acc = BandStatisticsAccumulator(info.bands)
    for tile in steps.walk(tiles(info.rows, info.cols, tile_size, 0)):
        cube, valid = scene.read(tile.row, tile.col, tile.rows, tile.cols)
        acc.add(cube[valid])
    stats = acc.result()
    if stats.count == 0:
        raise InputError(f"{info.path}: every pixel is nodata or not finite")
    return stats


def _read_filled(scene: Scene, tile, stats: BandStatistics) -> tuple:
    """A tile with its halo, invalid pixels replaced by the band means (neutral for networks)."""
    cube, valid = scene.read(tile.read_row, tile.read_col, tile.read_rows, tile.read_cols)
    if not valid.all():
        cube[~valid] = stats.mean.astype(np.float32)
    return cube, valid


class _FeatureCache:
    """Tile-core features kept on disk between the fit and score passes.

    Each tile's block is appended to one file and read back by explicit reads, not a memory
    map: mapped pages count towards the process's resident memory (and a container's limit), so
    a memory map of a large scene's features would grow to the size of the whole file.
    """

    def __init__(self):
        self._dir = tempfile.TemporaryDirectory(prefix="hsad-features-")
        self._file = open(os.path.join(self._dir.name, "features.f32"), "w+b")
        self._blocks = {}  # (row, col) -> (offset in bytes, shape)

    def put(self, tile, feats: np.ndarray) -> None:
        block = np.ascontiguousarray(feats, dtype=np.float32)
        self._file.seek(0, os.SEEK_END)
        self._blocks[(tile.row, tile.col)] = (self._file.tell(), block.shape)
        self._file.write(block.tobytes())

    def get(self, tile) -> np.ndarray:
        offset, shape = self._blocks[(tile.row, tile.col)]
        self._file.seek(offset)
        return np.fromfile(self._file, dtype=np.float32, count=int(np.prod(shape))).reshape(shape)

    def close(self) -> None:
        self._file.close()
        self._dir.cleanup()


def _describe_dropped(dropped: dict) -> str:
    return "; ".join(f"{len(v)} {k}" for k, v in dropped.items())
