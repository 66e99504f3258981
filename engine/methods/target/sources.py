"""Where a target spectrum comes from: an anomaly object, points or polygons, a library.

A source is a small frozen description (paths, ids, coordinates: it travels to batch workers and
is recorded in every output it makes) that resolves to a :class:`TargetSpectrum` once the scene
is open. Sources that read the scene's own pixels take the mean of the pixels they cover, or the
*peak*: the covered pixel farthest from the scene's background (the largest Mahalanobis distance
to the scene mean and covariance), the one least mixed with its surroundings.
"""
from __future__ import annotations

import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from ...errors import InputError
from ...gdal_env import gdal
from ...scenes.scene import Scene, SceneInfo
from .library import read_library
from .pixels import Geometries, pixel_strips
from .resample import library_on_scene
from .spectrum import TargetSpectrum

SPECTRUM_CHOICES = ("mean", "peak")  # of the pixels a geometry covers
Distances = Callable[[np.ndarray], np.ndarray]  # (n, bands) pixels -> (n,) distances


class SpectrumSource(ABC):
    """The interface of every source (frozen dataclasses below)."""

    spectrum: str = "mean"

    @property
    def needs_background(self) -> bool:
        """Whether resolving needs the scene's background statistics (the peak pixel does)."""
        return self.spectrum == "peak"

    def check(self) -> None:
        """One-line errors for what can be known before the scene is read."""

    @abstractmethod
    def resolve(self, info: SceneInfo, distances: Optional[Distances] = None,
                nodata: Optional[float] = None) -> TargetSpectrum:
        """The spectrum on the scene's bands (``distances``: the background's, for a peak)."""

    @abstractmethod
    def describe(self) -> str:
        """What the target is, in a few words (logs, the score band's description)."""

    @abstractmethod
    def as_dict(self) -> dict:
        """Plain JSON: what the output's provenance and a batch's settings check record."""

    def files(self) -> list:
        """Input files an output must never replace."""
        return []


@dataclass(frozen=True)
class LibrarySource(SpectrumSource):
    """One spectrum of a spectral library file, resampled to the scene's bands; ``scale``
    multiplies it (None: as it is, refused when its scale is far from the scene's)."""

    path: str
    name: str = ""
    scale: Optional[float] = None
    spectrum: str = "mean"

    def check(self) -> None:
        read_library(self.path).spectrum(self.name or None)
        if self.scale is not None and not (np.isfinite(self.scale) and self.scale > 0):
            raise InputError(f"the library scale must be a positive number (got {self.scale})")

    def resolve(self, info, distances=None, nodata=None) -> TargetSpectrum:
        target = library_on_scene(read_library(self.path).spectrum(self.name or None), info)
        if self.scale is not None:
            target.values = target.values * self.scale
            target.scaled = True
            target.description += f" x {self.scale:g}"
        return target

    def describe(self) -> str:
        named = f"'{self.name}' of " if self.name else ""
        return f"library spectrum {named}{os.path.basename(self.path)}"

    def as_dict(self) -> dict:
        return {"kind": "library", "path": os.path.abspath(self.path), "name": self.name,
                "scale": self.scale}

    def files(self) -> list:
        return [self.path]


@dataclass(frozen=True)
class GeometrySource(SpectrumSource):
    """The scene pixels under points or inside polygons: their mean, or their peak."""

    geometries: Geometries
    spectrum: str = "mean"

    def check(self) -> None:
        _check_spectrum(self.spectrum)

    def resolve(self, info, distances=None, nodata=None) -> TargetSpectrum:
        with reopen(info, nodata) as scene:
            return spectrum_from_scene(self.geometries, scene, self.spectrum, distances)

    def describe(self) -> str:
        return self.geometries.label + _peak(self.spectrum)

    def as_dict(self) -> dict:
        return {"kind": "geometries", "wkts": list(self.geometries.wkts),
                "crs": self.geometries.crs_wkt, "label": self.geometries.label,
                "spectrum": self.spectrum}


@dataclass(frozen=True)
class ObjectSource(SpectrumSource):
    """An anomaly object of an objects layer (``hsad threshold``'s), by its ``object_id``."""

    path: str
    object_id: int
    spectrum: str = "mean"
    layer: str = ""

    def geometries(self) -> Geometries:
        _check_spectrum(self.spectrum)
        name = os.path.basename(self.path)
        wkts, crs = read_features(self.path, self.layer, where=("object_id", int(self.object_id)))
        return Geometries(wkts, crs, f"object {self.object_id} of {name}")

    def check(self) -> None:
        self.geometries()

    def resolve(self, info, distances=None, nodata=None) -> TargetSpectrum:
        return GeometrySource(self.geometries(), self.spectrum).resolve(info, distances, nodata)

    def describe(self) -> str:
        return f"object {self.object_id} of {os.path.basename(self.path)}" + _peak(self.spectrum)

    def as_dict(self) -> dict:
        return {"kind": "object", "path": os.path.abspath(self.path),
                "object_id": int(self.object_id), "layer": self.layer, "spectrum": self.spectrum}

    def files(self) -> list:
        return [self.path]


@dataclass(frozen=True)
class VectorSource(SpectrumSource):
    """The features of a vector file (points, polygons): one by its id, or all of them."""

    path: str
    feature: Optional[int] = None
    spectrum: str = "mean"
    layer: str = ""

    def geometries(self) -> Geometries:
        _check_spectrum(self.spectrum)
        name = os.path.basename(self.path)
        wkts, crs = read_features(self.path, self.layer, fid=self.feature)
        label = f"feature {self.feature} of {name}" if self.feature is not None else \
            f"the {len(wkts)} feature(s) of {name}"
        return Geometries(wkts, crs, label)

    def check(self) -> None:
        self.geometries()

    def resolve(self, info, distances=None, nodata=None) -> TargetSpectrum:
        return GeometrySource(self.geometries(), self.spectrum).resolve(info, distances, nodata)

    def describe(self) -> str:
        which = f"feature {self.feature}" if self.feature is not None else "the features"
        return f"{which} of {os.path.basename(self.path)}" + _peak(self.spectrum)

    def as_dict(self) -> dict:
        return {"kind": "vector", "path": os.path.abspath(self.path), "feature": self.feature,
                "layer": self.layer, "spectrum": self.spectrum}

    def files(self) -> list:
        return [self.path]


def point_source(x: float, y: float, crs: str = "") -> GeometrySource:
    """The pixel under a map point (``crs``: its CRS, '' = the scene's)."""
    if not (np.isfinite(x) and np.isfinite(y)):
        raise InputError(f"the point {x}, {y} is not a finite coordinate")
    return GeometrySource(Geometries((f"POINT ({x!r} {y!r})",), crs,
                                     f"the pixel at {x:.10g}, {y:.10g}"))


def spectrum_from_scene(geometries: Geometries, scene: Scene, spectrum: str = "mean",
                        distances: Optional[Distances] = None) -> TargetSpectrum:
    """The mean (or peak) of the valid scene pixels the geometries cover."""
    total, count, best = None, 0, (-np.inf, None, None)
    for rows, cols, pixels in pixel_strips(geometries, scene):
        if not len(pixels):
            continue
        count += len(pixels)
        scores = distances(pixels) if spectrum == "peak" else np.zeros(len(pixels))
        k = int(np.argmax(scores))
        if scores[k] > best[0]:
            best = (float(scores[k]), pixels[k].astype(np.float64), (int(rows[k]), int(cols[k])))
        part = pixels.sum(axis=0, dtype=np.float64)
        total = part if total is None else total + part
    if count == 0:
        raise InputError(f"{scene.info.path}: {geometries.label} cover(s) no valid pixel of "
                         "the scene")
    row, col = best[2]
    where = f"row {row + 1}, column {col + 1}"
    if count == 1:
        return TargetSpectrum(best[1], f"{geometries.label} ({where})", pixels=1, scaled=True)
    if spectrum == "peak":
        return TargetSpectrum(best[1], f"peak pixel ({where}) of the {count} pixels of "
                              f"{geometries.label}", pixels=1, scaled=True)
    return TargetSpectrum(total / count, f"mean of the {count} pixels of {geometries.label}",
                          pixels=count, scaled=True)


def reopen(info: SceneInfo, nodata: Optional[float] = None) -> Scene:
    """The scene a detector is scoring, opened again with the same bands, to read the few
    pixels a geometry covers (a detector sees tiles, not positions)."""
    from ...scenes.raster import open_scene
    scene = open_scene(info.path, bands=[b + 1 for b in info.band_indices],
                       drop_bad_bands=False, nodata=nodata)
    same = (scene.info.rows, scene.info.cols, list(scene.info.band_indices)) == \
        (info.rows, info.cols, list(info.band_indices))
    if not same:
        scene.close()
        raise InputError(f"{info.path}: changed while it was read")
    return scene


def read_features(path: str, layer_name: str = "", where: Optional[tuple] = None,
                  fid: Optional[int] = None) -> tuple:
    """(WKT geometries, CRS WKT) of a vector file's features: those whose field equals a
    value (``where``), the one with an id (``fid``), or all."""
    g = gdal()
    if not os.path.isfile(path):
        raise InputError(f"{path}: file not found")
    try:
        ds = g.OpenEx(path, g.OF_VECTOR | g.OF_READONLY)
    except RuntimeError as exc:
        raise InputError(f"{path}: not a vector file GDAL can read "
                         f"({' '.join(str(exc).split())[:120]})") from None
    if ds is None or ds.GetLayerCount() == 0:
        raise InputError(f"{path}: holds no vector layer")
    if layer_name:
        layer = ds.GetLayerByName(layer_name)
        if layer is None:
            raise InputError(f"{path}: has no layer named '{layer_name}'")
    else:
        layer = ds.GetLayer(0)
    srs = layer.GetSpatialRef()
    crs = srs.ExportToWkt() if srs is not None else ""
    if fid is not None:
        feature = layer.GetFeature(int(fid))
        if feature is None:
            raise InputError(f"{path}: has no feature with id {fid}")
        features = [feature]
    elif where is not None:
        field, value = where
        if layer.GetLayerDefn().GetFieldIndex(field) < 0:
            raise InputError(f"{path}: has no '{field}' field (not an hsad objects layer; "
                             "a vector file of your own is read with --vector)")
        features = [f for f in layer if f.GetField(field) == value]
        if not features:
            raise InputError(f"{path}: has no feature with {field} {value}")
    else:
        features = list(layer)
    wkts = tuple(f.GetGeometryRef().ExportToWkt() for f in features
                 if f.GetGeometryRef() is not None and not f.GetGeometryRef().IsEmpty())
    if not wkts:
        raise InputError(f"{path}: the feature(s) asked for have no geometry")
    return wkts, crs


def _peak(spectrum: str) -> str:
    return " (peak pixel)" if spectrum == "peak" else ""


def _check_spectrum(spectrum: str) -> None:
    if spectrum not in SPECTRUM_CHOICES:
        raise InputError(f"unknown spectrum '{spectrum}' (choose from "
                         f"{', '.join(SPECTRUM_CHOICES)})")
