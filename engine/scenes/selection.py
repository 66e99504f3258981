"""A scene seen through an area of interest and exclusion masks: the one place where "only this
area" and "not these pixels" happen.

:func:`narrow_scene` wraps any :class:`Scene` in a :class:`NarrowedScene`: its grid is the crop
of the scene's grid to the area (same CRS, same pixel size and alignment; only that window is
ever read), and its ``read`` marks excluded pixels invalid. Everything downstream (band
statistics, every detector's fit and score passes, the score filter, the threshold) sees
validity only through ``read``, so they all see the same valid set, and an excluded pixel is
nodata in the score exactly as a nodata pixel of the file would be.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Optional

import numpy as np

from .masks import PolygonMask, open_exclusion
from .options import SceneOptions, split_layer
from .scene import Scene, SceneInfo
from .vectors import (BurntPolygons, describe_extent, extent_polygon, pixel_window,
                      read_polygons, window_geotransform)

# Rows per strip when the excluded pixels are counted for the record.
COUNT_ROWS = 256


@dataclass
class WindowInfo(SceneInfo):
    """The description of a window of a scene: band choices made on it reach the scene."""

    parent: Optional[SceneInfo] = field(default=None, repr=False, compare=False)

    def select(self, keep: list, dropped: Optional[dict] = None) -> None:
        super().select(keep, dropped)
        if self.parent is not None:
            self.parent.select(keep, dropped)


class NarrowedScene(Scene):
    """``inner`` cropped to ``window`` = (row, col, rows, cols), with ``masks`` excluding
    pixels (masks work on the inner scene's full grid)."""

    def __init__(self, inner: Scene, window: tuple, masks: list, area: Optional[dict] = None,
                 missing_quality: tuple = ()):
        self.inner = inner
        self.window = tuple(int(v) for v in window)
        self.masks = list(masks)
        self.area = area
        self.missing_quality = tuple(missing_quality)
        row, col, rows, cols = self.window
        base = inner.info
        values = {f.name: getattr(base, f.name) for f in fields(SceneInfo)}
        values.update(rows=rows, cols=cols)
        if self.window[:2] != (0, 0):
            values["geotransform"] = window_geotransform(base.geotransform, row, col)
        self.info = WindowInfo(**values, parent=base)

    @property
    def extra_nodata(self):
        return self.inner.extra_nodata

    @extra_nodata.setter
    def extra_nodata(self, value) -> None:
        self.inner.extra_nodata = value

    @property
    def file_list(self) -> list:
        files = list(getattr(self.inner, "file_list", None) or [self.inner.info.path])
        for mask in self.masks:
            files += [f for f in mask.files if f not in files]
        return files

    def read_raw(self, row: int, col: int, rows: int, cols: int) -> np.ndarray:
        return self.inner.read_raw(row + self.window[0], col + self.window[1], rows, cols)

    def read_raw_into(self, out: np.ndarray, row: int, col: int) -> np.ndarray:
        return self.inner.read_raw_into(out, row + self.window[0], col + self.window[1])

    def read(self, row: int, col: int, rows: int, cols: int,
             out: Optional[np.ndarray] = None) -> tuple:
        r, c = row + self.window[0], col + self.window[1]
        cube, valid = self.inner.read(r, c, rows, cols, out=out)
        if self.masks:
            valid = valid & ~self.excluded(r, c, rows, cols)
        return cube, valid

    def excluded(self, row: int, col: int, rows: int, cols: int) -> np.ndarray:
        """Pixels any mask excludes, in a window of the inner scene's grid."""
        out = np.zeros((rows, cols), dtype=bool)
        for mask in self.masks:
            out |= mask.excluded(row, col, rows, cols)
        return out

    def check_sample(self, cube: np.ndarray) -> None:
        check = getattr(self.inner, "check_sample", None)
        if check is not None:
            check(cube)

    def record(self) -> dict:
        """What was left out, for the score's metadata and the log: the area (its window of the
        scene's grid), each mask with the pixels it excludes in the window, and how many
        pixels the masks exclude together."""
        row, col, rows, cols = self.window
        counts = [0] * len(self.masks)
        union = 0
        for start in range(0, rows, COUNT_ROWS):
            height = min(COUNT_ROWS, rows - start)
            total = np.zeros((height, cols), dtype=bool)
            for k, mask in enumerate(self.masks):
                hit = mask.excluded(row + start, col, height, cols)
                counts[k] += int(hit.sum())
                total |= hit
            union += int(total.sum())
        out: dict = {"window": {"row": row, "col": col, "rows": rows, "cols": cols,
                                "of": [self.inner.info.rows, self.inner.info.cols]}}
        if self.area:
            out["area"] = self.area
        if self.masks:
            out["excluded"] = [{"what": m.label, "files": list(m.files), "pixels": n}
                               for m, n in zip(self.masks, counts)]
            out["excluded_pixels"] = union
        if self.missing_quality:
            out["quality_not_in_product"] = list(self.missing_quality)
        return out

    def close(self) -> None:
        for mask in self.masks:
            mask.close()
        self.inner.close()


def narrow_scene(scene: Scene, options: SceneOptions) -> Scene:
    """The scene seen through ``options``' area and masks (the scene itself when it has none)."""
    if not options.narrows:
        return scene
    info = scene.info
    window = (0, 0, info.rows, info.cols)
    masks: list = []
    area = None
    missing: tuple = ()
    try:
        if isinstance(options.area, tuple):
            polygon = extent_polygon(options.area, options.area_crs, info.crs_wkt,
                                     "area of interest")
            window = pixel_window([polygon], info, "area of interest")
            area = {"extent": list(options.area), "crs": options.area_crs or "the scene's",
                    "text": describe_extent(options.area, options.area_crs)}
        elif options.area is not None:
            polygons = read_polygons(options.area, info.crs_wkt, "area of interest")
            window = pixel_window(polygons, info, "area of interest's polygons")
            path = split_layer(options.area)[0]
            masks.append(PolygonMask(BurntPolygons(polygons, info, window),
                                     "outside the area's polygons", (path,),
                                     exclude_inside=False))
            area = {"polygons": options.area}
        for source in options.exclude:
            masks.append(open_exclusion(source, info))
        if options.quality:
            from .quality import quality_masks
            found, missing = quality_masks(scene, options.quality)
            masks.extend(found)
    except BaseException:
        for mask in masks:
            mask.close()
        raise
    return NarrowedScene(scene, window, masks, area, missing)


def apply_options(scene: Scene, options: SceneOptions) -> Scene:
    """A wavelength file's bands given to the scene, then the scene narrowed to the options."""
    if options.wavelengths:
        use_wavelength_file(scene, options.wavelengths)
    return narrow_scene(scene, options)


def use_wavelength_file(scene: Scene, path: str) -> None:
    """Give a scene the wavelengths (FWHM, good bands) of a file, checked against its bands."""
    from .wavelength_file import read_wavelength_file
    info = scene.info
    spectral = read_wavelength_file(path, info.file_bands)
    spectral.band_names = info.file_spectral.band_names
    if spectral.good_bands is None:
        spectral.good_bands = info.file_spectral.good_bands
    info.file_spectral = spectral
    info.spectral = spectral.subset(info.band_indices)


def describe_record(record: dict) -> list:
    """Log lines for a record of :meth:`NarrowedScene.record`."""
    w = record["window"]
    lines = []
    if (w["rows"], w["cols"]) != tuple(w["of"]):
        lines.append(f"area of interest: rows {w['row']}-{w['row'] + w['rows'] - 1}, columns "
                     f"{w['col']}-{w['col'] + w['cols'] - 1} of the {w['of'][0]} x {w['of'][1]} "
                     "scene are read")
    for item in record.get("excluded", []):
        lines.append(f"excluded: {item['pixels']} pixels by {item['what']}")
    if "excluded_pixels" in record:
        lines.append(f"{record['excluded_pixels']} of {w['rows'] * w['cols']} pixels excluded "
                     "before any statistics")
    if record.get("quality_not_in_product"):
        lines.append("quality layers this product does not have: "
                     + ", ".join(record["quality_not_in_product"]))
    return lines


