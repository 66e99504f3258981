"""What a user can say about a scene besides its file: where to look, what to leave out, what
its bands are and (for swath products) which grid to read it on.

One :class:`SceneOptions` travels from the command line, Processing and batch to
:func:`~hsad.engine.scenes.raster.open_scene`, which narrows the scene once
(:mod:`.selection`), so every detector, every pass, the score filter and the threshold see the
same valid pixels.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

from ..errors import HsadError

# The names of product quality layers, one vocabulary for every product family (each family
# maps them onto its own files or flags: see quality.py).
QUALITY_LAYERS = ("cloud", "cloudshadow", "haze", "snow", "cirrus", "water", "spacecraft",
                  "dilated_cloud")
# What --quality-masks alone excludes: everything that is not the ground the analyst looks at,
# except water (often the ground they look at: spills, ships, shorelines).
DEFAULT_QUALITY = ("cloud", "cloudshadow", "haze", "snow", "cirrus", "spacecraft",
                   "dilated_cloud")


@dataclass
class SceneOptions:
    """An area of interest, pixels to exclude, the product's quality layers, a wavelength file.

    ``area``: an extent (``(xmin, ymin, xmax, ymax)``, in ``area_crs`` or, when that is empty,
    in the scene's own CRS) or the path of a polygon layer (OGR; ``path|layername=NAME`` picks a
    layer); only pixels inside are read, scored and written.
    ``exclude``: raster masks (non-zero = exclude) or polygon layers.
    ``quality``: product quality layer names (:data:`QUALITY_LAYERS`) to exclude.
    ``wavelengths``: a file giving the band wavelengths when the scene lost them.
    ``sensor_grid``: read a swath product (EMIT) on its sensor grid instead of its map grid.
    """

    area: object = None  # tuple of 4 floats, or a vector file path
    area_crs: str = ""
    exclude: tuple = ()
    quality: tuple = ()
    wavelengths: Optional[str] = None
    sensor_grid: bool = False

    def __post_init__(self):
        self.exclude = tuple(str(p) for p in (self.exclude or ()))
        self.quality = tuple(self.quality or ())
        unknown = [q for q in self.quality if q not in QUALITY_LAYERS]
        if unknown:
            raise HsadError(f"unknown quality layer(s) {', '.join(unknown)} (known: "
                            f"{', '.join(QUALITY_LAYERS)})")
        if isinstance(self.area, (list, tuple)):
            self.area = check_extent(self.area)
        elif self.area is not None:
            self.area = str(self.area)

    @property
    def narrows(self) -> bool:
        """Whether the scene is seen through an area or masks."""
        return bool(self.area is not None or self.exclude or self.quality)

    @property
    def is_default(self) -> bool:
        return not (self.narrows or self.wavelengths or self.sensor_grid)

    def request(self) -> Optional[dict]:
        """What was asked, in JSON types (None when nothing was: older outputs compare equal)."""
        if self.is_default:
            return None
        out: dict = {}
        if self.area is not None:
            out["area"] = list(self.area) if isinstance(self.area, tuple) else self.area
            if self.area_crs and isinstance(self.area, tuple):
                out["area_crs"] = self.area_crs
        if self.exclude:
            out["exclude"] = list(self.exclude)
        if self.quality:
            out["quality"] = list(self.quality)
        if self.wavelengths:
            out["wavelengths"] = self.wavelengths
        if self.sensor_grid:
            out["sensor_grid"] = True
        return out

    def files(self) -> list:
        """The user's files these options read (never to be written over)."""
        found = list(self.exclude)
        if isinstance(self.area, str):
            found.append(self.area)
        if self.wavelengths:
            found.append(self.wavelengths)
        return [split_layer(f)[0] for f in found]


def check_extent(values) -> tuple:
    """(xmin, ymin, xmax, ymax) as finite floats with xmin < xmax and ymin < ymax."""
    try:
        numbers = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise HsadError(f"area of interest: {values!r} is not four numbers") from None
    if len(numbers) != 4 or not all(math.isfinite(v) for v in numbers):
        raise HsadError(f"area of interest: expected xmin,ymin,xmax,ymax (four finite numbers), "
                        f"got {list(values)}")
    xmin, ymin, xmax, ymax = numbers
    if xmin >= xmax or ymin >= ymax:
        raise HsadError(f"area of interest: xmin,ymin,xmax,ymax = {xmin:g},{ymin:g},{xmax:g},"
                        f"{ymax:g} is empty (xmin must be below xmax, ymin below ymax)")
    return numbers


def parse_area(text: str):
    """``"xmin,ymin,xmax,ymax"`` -> a checked extent tuple; anything else is a vector file."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) == 4:
        try:
            return check_extent(float(p) for p in parts)
        except (ValueError, HsadError) as exc:
            if all(is_number(p) for p in parts):
                raise HsadError(str(exc)) from None
    return text


def parse_quality(text: Optional[str]) -> tuple:
    """``--quality-masks`` alone -> the default set; ``cloud,water`` -> those layers;
    ``default,water`` -> the default set and water."""
    if text is None:
        return ()
    names = []
    for raw in (text.split(",") if text.strip() else ["default"]):
        name = raw.strip().lower().replace("-", "_").replace(" ", "_")
        name = {"cloud_shadow": "cloudshadow", "shadow": "cloudshadow", "clouds": "cloud"}.get(
            name, name)
        if name:
            names.extend(DEFAULT_QUALITY if name == "default" else [name])
    return tuple(dict.fromkeys(names))


def split_layer(source: str) -> tuple:
    """``"roads.gpkg|layername=roads"`` (how QGIS names a layer of a file) -> (path, layer)."""
    path, _, rest = source.partition("|")
    layer = None
    for item in rest.split("|") if rest else ():
        key, _, value = item.partition("=")
        if key.strip().lower() == "layername" and value:
            layer = value
    return path, layer


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
