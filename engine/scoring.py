"""Running a detector over a scene, tile by tile, in bounded memory: the passes of one score.

1. band statistics of every valid pixel (always; one read of the scene), whose valid pixels
   :meth:`Detector.observe` also sees (a method whose background needs only those, such as
   global RX, fits in this same pass); then :meth:`Detector.prepare`;
2. the fit passes of the method's :class:`~.methods.base.TilePlan` (``fit_passes``, often
   none): features of each tile's window, then :meth:`Detector.fit`; with a single fit pass and
   ``keep_features``, the features are kept (in memory or on disk) for the score pass; then
   :meth:`Detector.finish_fit`;
3. the score pass: features again (or the kept ones), :meth:`Detector.score` of the core.

A scene whose pixels fit the memory budget (``HSAD_MEMORY_BUDGET_MIB``, default 512 MiB) is
read from its file once and kept in memory for the later passes; a larger one is read again
for each pass, so memory stays bounded whatever the scene's size.

Each tile is read with the plan's halo; with ``edge_mode = "reflect"`` the window is
also extended past the scene edge by reflection (the padding some published networks apply to
the whole scene), so every tile has the same shape and tiled runs equal whole-scene runs.
"""
from __future__ import annotations

import os
import tempfile
import threading
from functools import partial
from typing import Callable, Optional

import numpy as np

from .methods.base import Detector, Window
from .errors import InputError
from .scenes.scene import ArrayScene, Scene
from .statistics import BandStatistics, BandStatisticsAccumulator, valid_pixels
from .tiling import DEFAULT_TILE_SIZE, Progress, ProgressSteps, Tile, read_ahead, tiles

DEFAULT_MEMORY_BUDGET_MIB = 512
# Threads computing the next tiles' features and scores while this one is fitted or written
# (methods whose plan is parallel); two use both cores of a small machine.
TILE_THREADS = 2
Log = Callable[[str], None]
Sink = Callable[[np.ndarray, int, int], None]


def score_scene(scene: Scene, detector: Detector, sink: Sink,
                tile_size: int = DEFAULT_TILE_SIZE, progress: Optional[Progress] = None,
                log: Optional[Log] = None) -> BandStatistics:
    """Run a detector over a scene and hand each tile's scores (NaN = nodata) to ``sink``."""
    plan = detector.plan
    fit_passes = plan.fit_passes
    steps = ProgressSteps(progress, (1.0,) + (3.0,) * fit_passes + (3.0 if fit_passes else 6.0,))
    stats, scene = band_statistics(scene, tile_size, steps, detector.observe,
                                   keep=memory_budget() >= scene_bytes(scene))
    note = detector.prepare(scene.info, stats)
    if log is not None and note:
        log(note)
    size = max(plan.multiple, tile_size - tile_size % plan.multiple)
    grid = tiles(scene.info.rows, scene.info.cols, size, plan.halo, plan.multiple, plan.strips)
    keep = fit_passes == 1 and plan.keep_features
    cache = FeatureCache(in_memory=isinstance(scene, KeptScene)) if keep else None
    passes = _TilePasses(scene, detector, stats, cache)
    try:
        for number in range(fit_passes):
            for tile, window in passes.run(steps.walk(grid), partial(passes.features,
                                                                     fit_pass=number)):
                detector.fit(window)
                if cache is not None:
                    region, inner = around(window.core, window.valid.shape, plan.score_margin)
                    cache.put(tile, window.features[region], window.valid[region], inner)
        detector.finish_fit()
        for tile, scores in passes.run(steps.walk(grid), passes.scores, passes.score_reads()):
            sink(scores, tile.row, tile.col)
    finally:
        if cache is not None:
            cache.close()
    return stats


class _TilePasses:
    """The per-tile work of the fit and score passes, and how it is spread over threads.

    Reading runs a tile ahead on a second thread (GDAL releases the GIL); a method whose plan is
    ``parallel`` also has its features and scores computed for the next tiles on
    ``TILE_THREADS`` threads while this thread fits (or writes) the current one, in order.
    One GDAL dataset and one cache file are used by one thread at a time.
    """

    def __init__(self, scene: Scene, detector: Detector, stats: BandStatistics,
                 cache: Optional["FeatureCache"]):
        self.scene, self.detector, self.stats, self.cache = scene, detector, stats, cache
        self._reading = threading.Lock()

    def run(self, walk, work: Callable, reads: bool = True):
        """(tile, work(tile, window)) for each tile of the walk, in order; ``window`` is what
        :func:`read_window` gives (None when ``reads`` is False)."""
        if self.detector.plan.parallel:
            return read_ahead(walk, lambda tile: work(tile, self.window(tile) if reads else None),
                              TILE_THREADS)
        if not reads or isinstance(self.scene, KeptScene):  # nothing to wait for
            windows = ((tile, self.window(tile) if reads else None) for tile in walk)
        else:
            windows = read_ahead(walk, self.window)
        return ((tile, work(tile, window)) for tile, window in windows)

    def window(self, tile: Tile) -> Window:
        with self._reading:
            return read_window(self.scene, tile, self.stats, self.detector)

    def features(self, tile: Tile, window: Window, fit_pass: int = 0) -> Window:
        window.features = self.detector.features(window)
        window.fit_pass = fit_pass
        return window

    def score_reads(self) -> bool:
        """Whether the score pass reads the scene (not when the kept features suffice)."""
        return self.cache is None or self.detector.plan.score_reads_pixels

    def scores(self, tile: Tile, window: Optional[Window]) -> np.ndarray:
        """float32 scores of a tile's core, NaN where a pixel is invalid."""
        if self.cache is not None:
            with self._reading:
                feats, kept_valid, inner = self.cache.get(tile)
            cube = None
            if window is not None:
                margin = self.detector.plan.score_margin
                cube = window.cube[around(window.core, window.valid.shape, margin)[0]]
            window = Window(cube, kept_valid, inner, feats)
        else:
            window.features = self.detector.features(window)
        scores = self.detector.score(window)
        return np.where(window.valid[window.core], scores, np.nan).astype(np.float32)


def around(core: tuple, shape: tuple, margin: int) -> tuple:
    """(region, core within it): a tile core and ``margin`` pixels around it, clipped to the
    window read; what the score pass needs of a tile kept between passes."""
    region = tuple(slice(max(c.start - margin, 0), min(c.stop + margin, n))
                   for c, n in zip(core, shape))
    inner = tuple(slice(c.start - r.start, c.stop - r.start) for c, r in zip(core, region))
    return region, inner


def score_cube(cube: np.ndarray, detector: Detector, tile_size: int = 100000,
               progress: Optional[Progress] = None) -> np.ndarray:
    """Scores of an in-memory (rows, cols, bands) cube; NaN where a pixel is invalid."""
    scene = ArrayScene(cube)
    out = np.full(cube.shape[:2], np.nan, dtype=np.float32)

    def sink(scores, row, col):
        out[row:row + scores.shape[0], col:col + scores.shape[1]] = scores

    score_scene(scene, detector, sink, tile_size=tile_size, progress=progress)
    return out


def band_statistics(scene: Scene, tile_size: int, steps: ProgressSteps,
                    observe: Optional[Callable] = None, keep: bool = False) -> tuple:
    """(per-band statistics of every valid pixel, the scene to read from next): one read of
    the scene, whose valid pixels ``observe(pixels)`` also sees, strip by strip (a method
    fitting on raw pixels), and which is kept in memory when ``keep``."""
    info = scene.info
    acc = BandStatisticsAccumulator(info.bands)
    kept = KeptScene(info) if keep else None

    def read(tile: Tile) -> tuple:
        return scene.read(tile.row, tile.col, tile.rows, tile.cols,
                          out=kept.window(tile) if kept is not None else None)

    for tile, (cube, valid) in read_ahead(steps.walk(tiles(info.rows, info.cols, tile_size, 0)),
                                          read):
        if kept is not None:
            kept.put_valid(tile, valid)
            cube = kept.window(tile, writeable=False)
        pixels = valid_pixels(cube, valid)
        acc.add(pixels)
        if observe is not None:
            observe(pixels)
    stats = acc.result()
    if stats.count == 0:
        raise InputError(f"{info.path}: every pixel is nodata or not finite")
    return stats, (kept if kept is not None else scene)


def memory_needed(detector: Detector, info, tile_size: int) -> int:
    """Bytes a run needs: the detector's own estimate, plus the scene's pixels when it is
    small enough to be kept in memory between passes."""
    needed = detector.memory_bytes(info, tile_size)
    kept = info.rows * info.cols * (info.bands * 4 + 1)
    return needed + (kept if kept <= memory_budget() else 0)


def check_run_memory(detector: Detector, info, tile_size: int) -> None:
    """Refuse, before any pixel is read, a run that would not fit in this machine's memory."""
    from .scenes.checks import check_fits_in_memory
    check_fits_in_memory(info.path, memory_needed(detector, info, tile_size),
                         f"{detector.name or 'this method'} on {info.bands} bands with tile "
                         f"size {tile_size}",
                         "select fewer bands (--bands) or a smaller tile size (--tile-size)")


def memory_budget() -> int:
    """Bytes of scene pixels kept in memory between passes (HSAD_MEMORY_BUDGET_MIB)."""
    try:
        mib = float(os.environ.get("HSAD_MEMORY_BUDGET_MIB", DEFAULT_MEMORY_BUDGET_MIB))
    except ValueError:
        mib = DEFAULT_MEMORY_BUDGET_MIB
    return int(max(mib, 0.0) * 2 ** 20)


def scene_bytes(scene: Scene) -> int:
    info = scene.info
    return info.rows * info.cols * (info.bands * 4 + 1)


class KeptScene(Scene):
    """A scene's pixels as read once (float32, validity), served to the later passes."""

    def __init__(self, info):
        self.info = info
        self._cube = np.empty((info.rows, info.cols, info.bands), np.float32)
        self._valid = np.empty((info.rows, info.cols), bool)

    def window(self, tile: Tile, writeable: bool = True) -> np.ndarray:
        """The tile's pixels in the kept cube: the first pass reads the file into it."""
        cube = self._cube[tile.row:tile.row + tile.rows, tile.col:tile.col + tile.cols]
        cube.flags.writeable = writeable
        return cube

    def put_valid(self, tile: Tile, valid: np.ndarray) -> None:
        self._valid[tile.row:tile.row + tile.rows, tile.col:tile.col + tile.cols] = valid

    def read_raw(self, row: int, col: int, rows: int, cols: int) -> np.ndarray:
        return self._cube[row:row + rows, col:col + cols].copy()

    def read(self, row: int, col: int, rows: int, cols: int) -> tuple:
        """Read-only views (no copy): a pass that changes pixels works on its own copy."""
        cube = self._cube[row:row + rows, col:col + cols]
        valid = self._valid[row:row + rows, col:col + cols]
        cube.flags.writeable = valid.flags.writeable = False
        return cube, valid


def read_window(scene: Scene, tile: Tile, stats: BandStatistics, detector: Detector) -> Window:
    """A tile read with its halo, invalid pixels replaced by the band means (neutral for
    networks); reflected past the scene edge when the method's plan asks."""
    cube, valid = scene.read(tile.read_row, tile.read_col, tile.read_rows, tile.read_cols)
    if not valid.all():
        cube = np.array(cube)  # a kept scene's pixels are read-only views
        cube[~valid] = stats.mean.astype(np.float32)
    if detector.plan.edge_mode != "reflect":
        return Window(cube, valid, tile.core)
    halo = detector.plan.halo
    info = scene.info
    pad = ((halo - (tile.row - tile.read_row), halo - (tile.read_row + tile.read_rows
                                                      - tile.row - tile.rows)),
           (halo - (tile.col - tile.read_col), halo - (tile.read_col + tile.read_cols
                                                      - tile.col - tile.cols)))
    if any(p > 0 for side in pad for p in side):
        if min(info.rows, info.cols) <= halo:
            raise InputError(f"{info.path}: {info.rows} x {info.cols} pixels is too small for "
                             f"this method (it needs more than {halo} pixels each way)")
        cube = np.pad(cube, pad + ((0, 0),), mode="reflect")
        valid = np.pad(valid, pad, mode="constant", constant_values=False)
    core = (slice(halo, halo + tile.rows), slice(halo, halo + tile.cols))
    return Window(cube, valid, core)


class FeatureCache:
    """Tile-core features kept between the fit and score passes: in memory for a scene kept in
    memory, else on disk.

    On disk, each tile's block is appended to one file and read back by explicit reads, not a
    memory map: mapped pages count towards the process's resident memory (and a container's
    limit), so a memory map of a large scene's features would grow to the size of the whole
    file. The file is unlinked as soon as it is open (on POSIX), so even ``kill -9`` leaves
    nothing.
    """

    def __init__(self, in_memory: bool = False):
        self._memory = {} if in_memory else None
        if in_memory:
            return
        handle, path = tempfile.mkstemp(prefix="hsad-features-", suffix=".f32")
        self._file = os.fdopen(handle, "w+b")
        try:
            os.remove(path)  # POSIX: the data lives until the file is closed
            self._path = None
        except OSError:  # Windows cannot remove an open file: remove it on close
            self._path = path
        self._blocks = {}  # (row, col) -> (offset in bytes, shape)

    def put(self, tile: Tile, feats: np.ndarray, valid: np.ndarray, core: tuple) -> None:
        """Keep a tile's features with their validity and the core's slices within them."""
        block = np.ascontiguousarray(feats, dtype=np.float32)
        if self._memory is not None:
            self._memory[(tile.row, tile.col)] = (block, valid.copy(), core)
            return
        self._file.seek(0, os.SEEK_END)
        self._blocks[(tile.row, tile.col)] = (self._file.tell(), block.shape, valid.copy(),
                                              core)
        self._file.write(block.tobytes())

    def get(self, tile: Tile) -> tuple:
        """(features, valid, core slices) as put."""
        if self._memory is not None:
            return self._memory[(tile.row, tile.col)]
        offset, shape, valid, core = self._blocks[(tile.row, tile.col)]
        self._file.seek(offset)
        feats = np.fromfile(self._file, dtype=np.float32, count=int(np.prod(shape)))
        return feats.reshape(shape), valid, core

    def close(self) -> None:
        if self._memory is not None:
            self._memory.clear()
            return
        self._file.close()
        if self._path is not None:
            try:
                os.remove(self._path)
            except OSError:
                pass
