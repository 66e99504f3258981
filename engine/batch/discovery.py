"""Which files in a folder are scenes, and where each scene's scores go.

Output names mirror the input tree and depend only on the scene's own path, so a rerun finds
the outputs of the previous run: ``INPUT_DIR/<dir>/<stem>.<ext>`` is scored into
``OUTPUT_DIR/<dir>/<stem>_<method>.tif``. When two scenes in one folder share a stem
(``a.bsq`` and ``a.tif``), both keep their whole name: ``a.bsq_rx.tif`` and ``a.tif_rx.tif``.
"""
from __future__ import annotations

import fnmatch
import os
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Iterator, Optional, Sequence

from ..errors import InputError
from ..outputs.staging import protected
from ..scenes.checks import check_regular_file, file_kind

OUTPUT_EXTENSION = ".tif"
# Files that describe or accompany a raster and are never scenes themselves.
SIDE_CAR_SUFFIXES = (".hdr", ".aux.xml", ".aux", ".qml", ".ovr", ".msk", ".prj", ".tfw", ".tfwx",
                     ".tifw", ".wld", ".rrd", ".sta", ".xml", ".csv", ".json", ".txt", ".md",
                     ".log", ".pdf", ".html", ".partial")
# Extensions of raster files: a file with one is a scene even when GDAL cannot identify it (a
# damaged file is then reported as failed, not silently left out).
RASTER_SUFFIXES = (".tif", ".tiff", ".he5", ".jp2", ".vrt", ".nc")
# ENVI data files: scenes when an ENVI header lies beside them, whether GDAL reads them or not.
ENVI_SUFFIXES = ("", ".img", ".bsq", ".bil", ".bip", ".dat", ".envi", ".raw")
# Quick-look pictures GDAL reads but that are not cubes (left out unless a pattern asks for them).
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp")
MATLAB_SUFFIXES = (".mat",)
# EMIT granules that accompany a reflectance or radiance cube and are not cubes themselves.
EMIT_COMPANION = re.compile(r"^EMIT_(L2A_MASK|L2A_RFLUNCERT|L1B_OBS|L2B_\w+?)_.*\.nc$",
                            re.IGNORECASE)


@dataclass(frozen=True)
class SceneJob:
    """One scene of a batch and where its scores go (both absolute paths)."""

    scene: str
    name: str  # the scene's path relative to the input folder, '/'-separated: how reports name it
    output: str

    @property
    def output_name(self) -> str:
        """The output's name relative to the output folder."""
        return os.path.join(os.path.dirname(self.name), os.path.basename(self.output))


@dataclass(frozen=True)
class PassedOver:
    """A file of the input folder that looks like a raster but is not a scene, and why: the
    summary lists it, so no file is left out without a word."""

    path: str
    name: str  # relative to the input folder, '/'-separated
    reason: str


@dataclass
class BatchPlan:
    """The scenes of a batch with their outputs, and the files it passes over."""

    jobs: list
    passed_over: list


def find_scenes(input_dir: str, pattern: Optional[str] = None, recursive: bool = False,
                exclude: Sequence[str] = ()) -> list:
    """Absolute, sorted paths of the scenes in ``input_dir``.

    Without ``pattern`` a scene is any file GDAL recognises as a raster, or a ``.mat`` file; with
    ``pattern`` (matched against file names, or against relative paths when it holds a '/') every
    match is a scene, so a matching file hsad cannot read is reported rather than passed over.
    Hidden files, side-cars (``.hdr``, ``.aux.xml``, ``.qml``, ...), rasters hsad wrote (by
    their ``HSAD_*`` metadata), the quality layers of a product beside its cube and the folders
    in ``exclude`` (the output folder) are never scenes (:func:`survey_folder` says why).
    """
    return survey_folder(input_dir, pattern, recursive, exclude)[0]


def survey_folder(input_dir: str, pattern: Optional[str] = None, recursive: bool = False,
                  exclude: Sequence[str] = ()) -> tuple:
    """(sorted scene paths, :class:`PassedOver` files) of ``input_dir``: see :func:`find_scenes`.

    Passed over, with a reason: rasters hsad wrote and, without a pattern, product quality
    layers and pictures. Side-cars, hidden files and files that are no raster at all are not listed.
    """
    root = os.path.abspath(input_dir)
    if not os.path.isdir(root):
        raise InputError(f"{input_dir}: " + ("is not a folder" if os.path.exists(root)
                                              else "folder not found"))
    skip_dirs = {os.path.realpath(d) for d in exclude}
    found, passed = [], []
    for path in _walk(root, recursive, skip_dirs):
        relative = os.path.relpath(path, root).replace(os.sep, "/")
        if _is_side_car(path):
            continue
        if pattern:
            target = relative if "/" in pattern else os.path.basename(path)
            if not fnmatch.fnmatch(target, pattern):
                continue
        elif path.lower().endswith(PICTURE_SUFFIXES) and not file_kind(path):
            passed.append(PassedOver(path, relative, "a picture, not a cube (give --pattern "
                                     "to score it anyway)"))
            continue
        elif not _looks_like_scene(path):
            continue
        reason = _not_a_scene(path, product_layers=not pattern)
        if reason:
            passed.append(PassedOver(path, relative, reason))
        else:
            found.append(path)
    return sorted(found), sorted(passed, key=lambda p: p.path)


def plan_outputs(scenes: Iterable[str], input_dir: str, output_dir: str, method: str) -> list:
    """A :class:`SceneJob` per scene, with output names that mirror the input tree."""
    root, out_root = os.path.abspath(input_dir), os.path.abspath(output_dir)
    scenes = list(dict.fromkeys(os.path.abspath(s) for s in scenes))
    stems = Counter(os.path.splitext(s)[0] for s in scenes)
    jobs = []
    for scene in scenes:
        relative = os.path.relpath(scene, root)
        if relative.startswith(os.pardir + os.sep):
            raise InputError(f"{scene}: is not inside the input folder {input_dir}")
        stem = relative if stems[os.path.splitext(scene)[0]] > 1 else os.path.splitext(relative)[0]
        output = os.path.join(out_root, f"{stem}_{method}{OUTPUT_EXTENSION}")
        jobs.append(SceneJob(scene, relative.replace(os.sep, "/"), output))
    clashes = [o for o, n in Counter(j.output for j in jobs).items() if n > 1]
    if clashes:
        raise InputError(f"{clashes[0]}: two scenes would be scored into this one output")
    guarded = {os.path.realpath(p) for p in protected(scenes)}
    for job in jobs:
        for target in (job.output, os.path.splitext(job.output)[0] + ".qml"):
            if os.path.realpath(target) in guarded:
                raise InputError(f"{target}: is a scene of this batch (or a file beside one) and "
                                 f"would be replaced by the scores of {job.scene}; choose another "
                                 "output folder")
    return jobs


def plan_batch(input_dir: str, output_dir: str, method: str, pattern: Optional[str] = None,
               recursive: bool = False) -> list:
    """Find the scenes of a folder and name their outputs (the output folder is never searched)."""
    return plan_folder(input_dir, output_dir, method, pattern, recursive).jobs


def plan_folder(input_dir: str, output_dir: str, method: str, pattern: Optional[str] = None,
                recursive: bool = False) -> BatchPlan:
    """:func:`plan_batch` with the files it passes over (for the summary)."""
    scenes, passed = survey_folder(input_dir, pattern, recursive, exclude=[output_dir])
    return BatchPlan(plan_outputs(scenes, input_dir, output_dir, method), passed)


def describe_passed_over(passed: Sequence[PassedOver]) -> str:
    """'2 files passed over (a.tif: an hsad score raster ...; ...)' for a message ('' if none)."""
    if not passed:
        return ""
    shown = "; ".join(f"{p.name}: {p.reason}" for p in passed[:2])
    more = f"; and {len(passed) - 2} more" if len(passed) > 2 else ""
    return f"{len(passed)} file(s) passed over ({shown}{more})"


def _walk(root: str, recursive: bool, skip_dirs: set) -> Iterator[str]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and os.path.realpath(os.path.join(folder, d)) not in skip_dirs)
        for name in files:
            path = os.path.join(folder, name)
            # a FIFO or device is yielded too, so that it is reported as failed, not skipped
            if not name.startswith(".") and (os.path.isfile(path) or file_kind(path)):
                yield path
        if not recursive:
            return


def _is_side_car(path: str) -> bool:
    return path.lower().endswith(SIDE_CAR_SUFFIXES)


def _looks_like_scene(path: str) -> bool:
    if file_kind(path):  # never opened to identify it: it would block; open_scene refuses it
        return True
    lower = path.lower()
    if lower.endswith(MATLAB_SUFFIXES + RASTER_SUFFIXES):
        return True
    if os.path.splitext(lower)[1] in ENVI_SUFFIXES and (
            os.path.isfile(os.path.splitext(path)[0] + ".hdr") or os.path.isfile(path + ".hdr")):
        return True
    if lower.endswith(PICTURE_SUFFIXES):
        return False
    from ..gdal_env import gdal
    from ..outputs.ownership import gdal_name
    g = gdal()
    try:
        return g.IdentifyDriverEx(gdal_name(path), g.OF_RASTER) is not None
    except RuntimeError:
        return False


# The quality and quick-look layers a product delivers beside its cube (EnMAP
# ``<product>-QL_PIXELMASK.TIF``, ``-QL_QUALITY_CLOUD.TIF``, ``-QL_VNIR.TIF``; DESIS
# ``-QL_QUALITY-2.tif``), by the products' own ``QL_`` naming: a user's renamed or clipped cube
# (``<product>-SPECTRAL_IMAGE_clip.TIF``) stays a scene.
_PRODUCT_LAYER = re.compile(r"^(?P<product>.+)-QL_[A-Z0-9_]+(?:-\d+)?$", re.IGNORECASE)
_PRODUCT_CUBES = ("-SPECTRAL_IMAGE", "-SPECTRAL_IMAGE_COG")
# Extensions of the rasters hsad writes (score rasters, masks): only these can carry its metadata.
HSAD_OUTPUT_SUFFIXES = (".tif", ".tiff", ".img", ".bsq", ".dat", ".envi")


def _not_a_scene(path: str, product_layers: bool = True) -> str:
    """Why a raster-looking file is not a scene ('' when it is one); a pattern names what it
    wants, quality layers included."""
    if file_kind(path):  # never opened: open_scene refuses it with its own message
        return ""
    product = _product_of_layer(path) if product_layers else ""
    if product:
        return product
    if path.lower().endswith(HSAD_OUTPUT_SUFFIXES):
        from ..outputs.ownership import hsad_raster
        try:
            check_regular_file(path)  # GDAL would open a FIFO side-car (.hdr, .aux.xml) and block
        except InputError:
            return ""  # a scene: open_scene reports it
        made = hsad_raster(path)
        if made:
            return f"an hsad {made}, not a scene"
    return ""


def _product_of_layer(path: str) -> str:
    """Why ``path`` is a layer of a product beside it and not a cube ('' when it is not): an
    EnMAP or DESIS quality or quick-look layer (``<product>-QL_*``) beside its cube
    (``<product>-SPECTRAL_IMAGE.TIF``, EnMAP's cloud-optimised ``-SPECTRAL_IMAGE_COG.TIF``), or
    an EMIT granule that accompanies a reflectance or radiance cube (mask, uncertainty,
    observation geometry)."""
    folder, name = os.path.split(path)
    if EMIT_COMPANION.match(name):
        return "a companion granule of an EMIT product, not a cube"
    stem, ext = os.path.splitext(name)
    match = _PRODUCT_LAYER.match(stem)
    if not match:
        return ""
    product = match.group("product")
    for cube in _PRODUCT_CUBES:
        if any(os.path.isfile(os.path.join(folder, f"{product}{cube}{e}"))
               for e in (ext, ext.upper(), ext.lower())):
            return f"a quality layer of the product {product} beside it, not a scene"
    return ""
