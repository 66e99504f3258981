"""Opening scenes: any raster GDAL reads (ENVI, GeoTIFF, ...) and MATLAB files, checked up front.

Every check a user's file can fail happens here, at open time, with a one-line message naming
the file, so no detector starts on a file it cannot finish.
"""
from __future__ import annotations

import os
from typing import Optional, Sequence

import numpy as np

from ..errors import HsadError, InputError
from ..gdal_env import confined, gdal
from .checks import (check_byte_order, check_float_range, check_integer_precision,
                     check_pixels_for_bands, check_scaling, check_typical_magnitude, no_variation)
from .emit import is_emit_product
from .envi_header import RAW_DRIVERS
from .gdal_open import check_dataset, georeferencing, open_dataset, reason
from .options import SceneOptions
from .prisma import PrismaScene, is_prisma_product
from .reach import Reach, check_reach
from .scene import Scene, SceneInfo
from .watch import FileWatch

ENVI_DATA_EXTENSIONS = ("", ".img", ".dat", ".bsq", ".bil", ".bip", ".raw", ".envi")
MATLAB_EXTENSIONS = (".mat",)
# Rows of the scene read at open time (spread over it) to find empty bands and check values.
SAMPLE_ROWS = 24
# Values per read when a whole scene is scanned at open time (64 MB of float32).
STRIP_VALUES = 2 ** 24
# Values per read of a band- or line-interleaved file (4 MB of float32: the block read stays in
# cache while it is reordered to pixel order).
REORDER_VALUES = 2 ** 20
# Bands reordered at a time: each pixel's run of them is then about a cache line.
REORDER_BANDS = 8


def open_scene(path, bands: Optional[Sequence[int]] = None, drop_bad_bands: bool = True,
               min_bands: int = 1, nodata: Optional[float] = None, scoring: bool = False,
               covariance: bool = False, options: Optional[SceneOptions] = None) -> Scene:
    """Open a scene for reading, after checking that it can be read to the end.

    ``bands`` are 1-based file band numbers (as QGIS and ENVI number them). Bands with no valid
    pixel anywhere are always dropped (EnMAP marks its water-vapour bands this way); bands the
    file flags as bad (ENVI ``bbl``) are dropped when ``drop_bad_bands`` and no bands are given.
    ``nodata``: a raw file value that also means nodata, in any band (on top of the file's own).
    ``scoring``: the scene will be scored, so a scene without variation (one pixel, a constant,
    with ``covariance`` (a method fitting a covariance over the scene's bands), fewer valid
    pixels than bands) is refused instead of scored as if it meant something.
    ``options``: an area of interest, pixels to exclude, quality layers, a wavelength file, the
    sensor grid of a swath product (:mod:`.options`); the scene returned is narrowed to them
    before anything else reads it.
    """
    path = os.fspath(path)
    if nodata is not None and not np.isfinite(nodata):
        raise HsadError(f"the extra nodata value must be a finite number (got {nodata})")
    reach = check_readable(path)
    if path.lower().endswith(MATLAB_EXTENSIONS):
        from .matfile import load_matlab_scene
        scene: Scene = load_matlab_scene(path).scene()
    elif is_prisma_product(path):
        scene = PrismaScene(path)
    elif is_emit_product(path):
        from .emit import EmitScene
        scene = EmitScene(path, sensor_grid=bool(options and options.sensor_grid))
    else:
        scene = GdalScene(path, reach)
    scene.extra_nodata = None if nodata is None else float(nodata)
    try:
        if options is not None:
            from .selection import apply_options
            scene = apply_options(scene, options)
        select_bands(scene, bands, drop_bad_bands)
        if scene.info.bands < min_bands:
            raise InputError(f"{path}: {scene.info.bands} usable band(s), but this method needs "
                             f"at least {min_bands}")
        if scoring:
            check_variation(scene, covariance)
    except BaseException:
        scene.close()
        raise
    return scene


class GdalScene(Scene):
    """A raster opened through GDAL's Python bindings (only after :mod:`.reach` has checked
    every file it reaches), read under :func:`~hsad.engine.gdal_env.confined`.

    GDAL mask bands (an internal TIFF mask, a ``.msk`` side-car, an alpha band) are honoured:
    a masked pixel reads as NaN in every band, so it is nodata in the score and takes no part
    in any statistic. Each read is followed by a check that the files holding the pixels are
    still those opened (:mod:`.watch`).
    """

    def __init__(self, path: str, reach: Optional[Reach] = None):
        from .gdal_metadata import reflectance_scale_factor, spectral_info
        g = gdal()
        reach = reach or check_reach(path)
        ds = open_dataset(path)
        check_dataset(ds, path, reach)
        self._ds = ds
        self._files = reach.files
        self._watch = FileWatch(path, reach.data)
        bands = [ds.GetRasterBand(i + 1) for i in range(ds.RasterCount)]
        self._nodata = [b.GetNoDataValue() for b in bands]
        self._scale = [(b.GetScale() or 1.0, b.GetOffset() or 0.0) for b in bands]
        self._divisor = reflectance_scale_factor(ds) or 1.0
        self._masks = _mask_bands(bands)
        self._magnitude_checked = False
        self._read_options = direct_read_options(ds)
        check_scaling(path, self._scale, self._divisor)
        self._scale_source = ""
        spectral = self._with_product_metadata(spectral_info(ds, path), path, ds.RasterCount)
        distinct = set(self._scale)
        scale = 1.0 / self._divisor if self._divisor != 1.0 else \
            (next(iter(distinct))[0] if len(distinct) == 1 and distinct != {(1.0, 0.0)} else None)
        scale_note = "per-band gain and offset" if scale is None and len(distinct) > 1 else ""
        if scale_note and self._scale_source:
            scale_note += f" ({self._scale_source})"
        self.info = SceneInfo(
            path=path, rows=ds.RasterYSize, cols=ds.RasterXSize, bands=ds.RasterCount,
            file_bands=ds.RasterCount, band_indices=list(range(ds.RasterCount)),
            dtype=g.GetDataTypeName(bands[0].DataType), driver=ds.GetDriver().ShortName,
            nodata=self._nodata[0],
            interleave=(ds.GetMetadataItem("INTERLEAVE", "IMAGE_STRUCTURE") or "").upper(),
            spectral=spectral, file_spectral=spectral, scale=scale, scale_note=scale_note,
            **georeferencing(ds))

    def _with_product_metadata(self, spectral, path: str, band_count: int):
        """Wavelengths (and gains) from a product side-car when the raster itself has none."""
        from .product_metadata import product_bands
        if spectral.has_wavelengths:
            return spectral
        product = product_bands(path, band_count)
        if product is None:
            return spectral
        if product.nodata is not None and all(n is None for n in self._nodata):
            self._nodata = [product.nodata] * band_count  # the product's fill value (DESIS)
        product.spectral.band_names = spectral.band_names
        if product.spectral.good_bands is None:
            product.spectral.good_bands = spectral.good_bands
        usable = product.gains is not None and np.all(np.isfinite(product.gains)) and \
            np.all(product.gains != 0)
        if usable and set(self._scale) == {(1.0, 0.0)}:
            offsets = product.offsets if product.offsets is not None else np.zeros(band_count)
            self._scale = [(float(g), float(o)) for g, o in zip(product.gains, offsets)]
            self._scale_source = os.path.basename(product.source)
            check_scaling(path, self._scale, self._divisor)
        return product.spectral

    @property
    def file_list(self) -> list:
        """Every file the scene reads (side-cars and VRT sources included)."""
        return list(self._files) if self._ds is not None else []

    def read_raw(self, row: int, col: int, rows: int, cols: int) -> np.ndarray:
        raw = self._read(row, col, rows, cols).reshape(rows, cols, len(self.info.band_indices))
        check_integer_precision(raw, self.info.path)
        check_float_range(raw, self.info.path)
        self._check_magnitude(raw)
        with np.errstate(over="ignore", under="ignore"):
            cube = raw.astype(np.float32, copy=False)
        return self._masked(self._marked_and_scaled(raw, cube), row, col)

    def read_raw_into(self, out: np.ndarray, row: int, col: int) -> np.ndarray:
        """float32 files are read by GDAL straight into ``out`` (other types are converted
        from their own values, which the nodata and precision checks need)."""
        if self.info.dtype != "Float32" or not out.flags.c_contiguous:
            return super().read_raw_into(out, row, col)
        self._read(row, col, out.shape[0], out.shape[1], out)
        self._check_magnitude(out)
        return self._masked(self._marked_and_scaled(out, out), row, col)

    def _read(self, row: int, col: int, rows: int, cols: int,
              out: Optional[np.ndarray] = None) -> np.ndarray:
        bands = [i + 1 for i in self.info.band_indices]
        if self.info.interleave == "PIXEL":  # stored pixel by pixel: GDAL copies it
            return self._read_rows(row, rows, dict(xoff=col, xsize=cols, buf_obj=out,
                                                   band_list=bands, interleave="pixel"))
        # Stored by band or by line: read as stored, a few rows at a time, and reorder in
        # numpy (3 to 4 times less work than GDAL's strided copy into a pixel-interleaved
        # buffer); the rows' block stays in cache and is reordered a few bands at a time.
        step = max(1, REORDER_VALUES // max(1, cols * len(bands)))
        for start in range(0, rows, step):
            count = min(step, rows - start)
            data = self._read_rows(row + start, count, dict(xoff=col, xsize=cols,
                                                            band_list=bands))
            stored = data.reshape(len(bands), count, cols)
            if out is None:
                out = np.empty((rows, cols, len(bands)), stored.dtype)
            to_pixel_order(stored, out[start:start + count])
        return out

    def _read_rows(self, row: int, rows: int, options: dict) -> np.ndarray:
        """One GDAL read of ``rows`` rows from ``row``, with its checks."""
        try:
            with confined(**self._read_options):
                if self._read_options and self.info.interleave == "LINE" and rows > 1:
                    # a line at a time: GDAL 3.6 reads the later lines of a multi-line window
                    # of a line-interleaved file wrong when it reads without its cache
                    lines = [self._ds.ReadAsArray(yoff=row + k, ysize=1, **options)
                             for k in range(rows)]
                    return np.concatenate([line.reshape(-1, 1, line.shape[-1])
                                           for line in lines], axis=1)
                data = self._ds.ReadAsArray(yoff=row, ysize=rows, **options)
        except RuntimeError as exc:
            self._watch.check()  # a file cut while read fails in GDAL too: say that
            raise InputError(f"{self.info.path}: reading rows {row}-{row + rows} failed "
                             f"({reason(exc)})") from None
        self._watch.check()
        return data

    def _masked(self, cube: np.ndarray, row: int, col: int) -> np.ndarray:
        """``cube`` with NaN where a GDAL mask band of a selected band says 'no data'."""
        if not self._masks:
            return cube
        rows, cols = cube.shape[:2]
        done = set()
        for band in self.info.band_indices:
            mask = self._masks.get(band)
            if mask is None or id(mask) in done:
                continue
            done.add(id(mask))
            try:
                with confined():
                    masked = mask.ReadAsArray(col, row, cols, rows) == 0
            except RuntimeError as exc:
                raise InputError(f"{self.info.path}: reading the mask of rows {row}-{row + rows} "
                                 f"failed ({reason(exc)})") from None
            if masked.any():
                cube[masked] = np.nan
        return cube

    def _marked_and_scaled(self, raw: np.ndarray, cube: np.ndarray) -> np.ndarray:
        """``cube`` (float32 values of ``raw``, possibly the same array) with NaN where ``raw``
        holds a nodata value, and the bands' scale and offset applied, in place."""
        indices = self.info.band_indices
        for k, band in enumerate(indices):
            for nodata in (self._nodata[band], self.extra_nodata):
                if nodata is not None:
                    cube[:, :, k][raw[:, :, k] == nodata] = np.nan
        try:
            with np.errstate(over="raise", under="ignore"):
                for k, band in enumerate(indices):
                    scale, offset = self._scale[band]
                    if (scale, offset) != (1.0, 0.0):
                        cube[:, :, k] = cube[:, :, k] * scale + offset
                if self._divisor != 1.0:
                    cube /= self._divisor
        except FloatingPointError:  # one value beyond float32 once scaled: refuse, not nodata
            raise InputError(f"{self.info.path}: values become larger than float32 holds once "
                             "the file's scale factors are applied; fix its scale factors or "
                             "rescale the file") from None
        return cube

    def _check_magnitude(self, raw: np.ndarray) -> None:
        """Once, on the first read holding enough values: refuse a scene whose values, as
        scaled, lie outside the range float32 computes reliably in."""
        if self._magnitude_checked:
            return
        values = []
        for k, band in enumerate(self.info.band_indices):
            plane = np.asarray(raw[:, :, k], dtype=np.float64)
            keep = np.isfinite(plane) & (plane != 0)
            for nodata in (self._nodata[band], self.extra_nodata):
                if nodata is not None:
                    keep &= plane != nodata
            scale, offset = self._scale[band]
            values.append(np.abs(plane[keep] * scale + offset) / abs(self._divisor))
        values = np.concatenate(values) if values else np.zeros(0)
        if values.size >= 8:
            self._magnitude_checked = True
            check_typical_magnitude(values, self.info.path)

    def check_sample(self, cube: np.ndarray) -> None:
        """Values only a wrong byte order gives, in raw (ENVI-like) files that declare one."""
        if self._ds is not None and self._ds.GetDriver().ShortName in RAW_DRIVERS:
            declared = (self._ds.GetMetadata("ENVI") or {}).get("byte_order", "")
            check_byte_order(cube, self.info.path, declared)

    def close(self) -> None:
        self._ds = None
        self._masks = {}


def _mask_bands(bands: list) -> dict:
    """{0-based band: its GDAL mask band} for the bands whose mask is a real one (an internal
    or ``.msk`` mask, an alpha band), not 'all valid' nor derived from the nodata value (which
    reading handles itself)."""
    g = gdal()
    masks, shared = {}, None
    for index, band in enumerate(bands):
        flags = band.GetMaskFlags()
        if flags & (g.GMF_ALL_VALID | g.GMF_NODATA):
            continue
        if flags & g.GMF_PER_DATASET:
            shared = shared or band.GetMaskBand()
            masks[index] = shared
        else:
            masks[index] = band.GetMaskBand()
    return masks


def check_readable(path: str) -> Reach:
    """One-line errors for the mistakes users make most (no file, a folder, the ENVI header),
    then the rule for what may be opened (:mod:`.reach`); returns what the file reaches."""
    if not os.path.exists(path):
        if os.path.islink(path):
            raise InputError(f"{path}: is a broken or looping symbolic link")
        raise InputError(f"{path}: file not found")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a folder, not a raster file")
    if path.lower().endswith(".hdr"):
        stem = path[:-4]
        candidates = [stem + ext for ext in ENVI_DATA_EXTENSIONS if os.path.isfile(stem + ext)]
        hint = f"open the data file {candidates[0]} instead" if candidates else \
            "open the ENVI data file that belongs to it instead (none was found beside it)"
        raise InputError(f"{path}: is an ENVI header; {hint}")
    reach = check_reach(path)
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: permission denied")
    return reach


def check_variation(scene: Scene, covariance: bool = False) -> None:
    """Refuse a scene that has nothing to score: one pixel, the same spectrum everywhere, or
    (``covariance``) no more valid pixels than bands. A sample of rows settles it for ordinary
    scenes; the whole scene is read (strip by strip) only when the sample looks degenerate."""
    info = scene.info
    bands = info.bands if covariance else 1
    check_pixels_for_bands(info.path, info.rows * info.cols, bands)
    sampled = _sample_rows(info.rows)
    count, varies = _scan_variation(scene, ((int(r), 1) for r in sampled))
    if varies and count > bands:
        return
    if len(sampled) < info.rows:
        step = max(1, STRIP_VALUES // max(info.cols * info.bands, 1))
        count, varies = _scan_variation(
            scene, ((r, min(step, info.rows - r)) for r in range(0, info.rows, step)))
    if count == 0:
        raise InputError(f"{info.path}: every pixel is nodata or not finite")
    if not varies:
        raise no_variation(info.path)
    check_pixels_for_bands(info.path, count, bands, valid=True)


def _sample_rows(rows: int) -> np.ndarray:
    return np.unique(np.linspace(0, rows - 1, min(rows, SAMPLE_ROWS)).astype(int))


def _scan_variation(scene: Scene, strips) -> tuple:
    """(valid pixels, whether any differs from the first) over (row, rows) strips."""
    count, first, varies = 0, None, False
    for row, rows in strips:
        cube, valid = scene.read(row, 0, rows, scene.info.cols)
        pixels = cube[valid]
        if not len(pixels):
            continue
        count += len(pixels)
        if first is None:
            first = pixels[0]
        varies = varies or bool((pixels != first).any())
    return count, varies


def select_bands(scene: Scene, bands: Optional[Sequence[int]], drop_bad_bands: bool) -> None:
    """Choose the bands detectors see: the user's subset, minus bad and empty bands."""
    info = scene.info
    dropped: dict = {}
    if bands:
        wrong = [b for b in bands if not 1 <= int(b) <= info.file_bands]
        if wrong:
            named = f"{wrong}" if len(wrong) <= 8 else f"[{wrong[0]}, ..., {wrong[-1]}]"
            raise InputError(f"{info.path}: band(s) {named} do not exist (the file has "
                             f"{info.file_bands} bands, numbered from 1)")
        keep = [int(b) - 1 for b in bands]
        twice = sorted({b for b in bands if list(bands).count(b) > 1})
        if twice:  # a band twice weighs it double and makes every covariance singular
            raise InputError(f"{info.path}: band(s) {twice} listed twice")
    else:
        keep = list(range(info.file_bands))
    good = info.file_spectral.good_bands
    if drop_bad_bands and not bands and good is not None and not good.any():
        raise InputError(f"{info.path}: its bad band list (bbl) flags every band as bad; "
                         "choose bands (--bands) or use them anyway (--keep-bad-bands; "
                         "Processing: Use bands flagged as bad)")
    if drop_bad_bands and not bands and good is not None and good.any():
        dropped["flagged bad (bbl)"] = [b for b in keep if not good[b]]
        keep = [b for b in keep if good[b]]
    info.select(keep)
    empty = _empty_bands(scene)
    if empty and len(empty) < len(keep):
        dropped["no valid pixel"] = empty
        keep = [b for b in keep if b not in empty]
    info.select(keep, dropped)


def _empty_bands(scene: Scene) -> list:
    """File bands with no finite value in a sample of rows spread over the whole scene."""
    info = scene.info
    seen = np.zeros(info.bands, dtype=bool)
    for number, r in enumerate(_sample_rows(info.rows)):
        cube = scene.read_raw(int(r), 0, 1, info.cols)
        if number == 0 and hasattr(scene, "check_sample"):
            scene.check_sample(cube)
        seen |= np.isfinite(cube).reshape(-1, info.bands).any(axis=0)
        if seen.all():
            return []
    return [b for b, s in zip(info.band_indices, seen) if not s]


def direct_read_options(ds) -> dict:
    """GDAL options for reading a raw file by band or by line: straight from the file, not
    through GDAL's block cache, which for such files holds one line of one band per block (a
    512 x 512 x 200 BIL read 3 to 4 times faster, 0.1 s instead of 0.35-0.45 s of CPU, without
    filling the cache's 128 MB). Not for files stored pixel by pixel: each band would read
    whole lines."""
    interleave = (ds.GetMetadataItem("INTERLEAVE", "IMAGE_STRUCTURE") or "").upper()
    if ds.GetDriver().ShortName in RAW_DRIVERS and interleave in ("BAND", "LINE"):
        return {"GDAL_ONE_BIG_READ": "YES"}
    return {}


def to_pixel_order(stored: np.ndarray, out: np.ndarray) -> None:
    """``out[r, c, b] = stored[b, r, c]`` (band order to pixel order), a few bands at a time:
    twice as fast as one strided copy, whose writes jump a whole pixel apart."""
    for first in range(0, stored.shape[0], REORDER_BANDS):
        out[:, :, first:first + REORDER_BANDS] = \
            stored[first:first + REORDER_BANDS].transpose(1, 2, 0)
