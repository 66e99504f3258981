"""Which files in a folder are scenes, and where each scene's scores go.

Output names mirror the input tree and depend only on the scene's own path, so a rerun finds
the outputs of the previous run: ``INPUT_DIR/<dir>/<stem>.<ext>`` is scored into
``OUTPUT_DIR/<dir>/<stem>_<method>.tif``. When two scenes in one folder share a stem
(``a.bsq`` and ``a.tif``), both keep their whole name: ``a.bsq_rx.tif`` and ``a.tif_rx.tif``.
"""
from __future__ import annotations

import fnmatch
import os
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Iterator, Optional, Sequence

from ..errors import InputError
from ..outputs.staging import protected
from ..scenes.checks import file_kind

OUTPUT_EXTENSION = ".tif"
# Files that describe or accompany a raster and are never scenes themselves.
SIDE_CAR_SUFFIXES = (".hdr", ".aux.xml", ".aux", ".qml", ".ovr", ".msk", ".prj", ".tfw", ".tfwx",
                     ".tifw", ".wld", ".rrd", ".sta", ".xml", ".csv", ".json", ".txt", ".md",
                     ".log", ".pdf", ".html", ".partial")
# Extensions of raster files: a file with one is a scene even when GDAL cannot identify it (a
# damaged file is then reported as failed, not silently left out).
RASTER_SUFFIXES = (".tif", ".tiff", ".he5", ".jp2", ".vrt")
# ENVI data files: scenes when an ENVI header lies beside them, whether GDAL reads them or not.
ENVI_SUFFIXES = ("", ".img", ".bsq", ".bil", ".bip", ".dat", ".envi", ".raw")
# Quick-look pictures GDAL reads but that are not cubes (left out unless a pattern asks for them).
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp")
MATLAB_SUFFIXES = (".mat",)


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


def find_scenes(input_dir: str, pattern: Optional[str] = None, recursive: bool = False,
                exclude: Sequence[str] = ()) -> list:
    """Absolute, sorted paths of the scenes in ``input_dir``.

    Without ``pattern`` a scene is any file GDAL recognises as a raster, or a ``.mat`` file; with
    ``pattern`` (matched against file names, or against relative paths when it holds a '/') every
    match is a scene, so a matching file hsad cannot read is reported rather than passed over.
    Hidden files, side-cars (``.hdr``, ``.aux.xml``, ``.qml``, ...), hsad's own score rasters and
    the folders in ``exclude`` (the output folder) are never scenes.
    """
    root = os.path.abspath(input_dir)
    if not os.path.isdir(root):
        raise InputError(f"{input_dir}: " + ("is not a folder" if os.path.exists(root)
                                              else "folder not found"))
    skip_dirs = {os.path.realpath(d) for d in exclude}
    found = []
    for path in _walk(root, recursive, skip_dirs):
        relative = os.path.relpath(path, root).replace(os.sep, "/")
        if _is_side_car(path) or _is_score_raster(path):
            continue
        if pattern:
            target = relative if "/" in pattern else os.path.basename(path)
            if fnmatch.fnmatch(target, pattern):
                found.append(path)
        elif _looks_like_scene(path) and not _is_product_layer(path):
            found.append(path)
    return sorted(found)


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
    scenes = find_scenes(input_dir, pattern, recursive, exclude=[output_dir])
    return plan_outputs(scenes, input_dir, output_dir, method)


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
    g = gdal()
    try:
        return g.IdentifyDriverEx(path, g.OF_RASTER) is not None
    except RuntimeError:
        return False


def _is_product_layer(path: str) -> bool:
    """An EnMAP product's quality or quick-look raster (``<product>-QL_*.TIF``), not its cube.

    An EnMAP product folder holds the cube (``<product>-SPECTRAL_IMAGE.TIF``) beside several
    single-band masks; only the cube is a scene.
    """
    folder, name = os.path.split(path)
    stem, ext = os.path.splitext(name)
    if "-" not in stem or stem.upper().endswith("-SPECTRAL_IMAGE"):
        return False
    product = stem.rsplit("-", 1)[0]
    return os.path.exists(os.path.join(folder, f"{product}-SPECTRAL_IMAGE{ext}"))


def _is_score_raster(path: str) -> bool:
    """An hsad output (``<stem>_<method>.tif`` carrying HSAD_METHOD, or its ``_mask.tif`` from
    ``--threshold``), e.g. when outputs sit beside their scenes."""
    from ..detectors import method_names
    stem, ext = os.path.splitext(os.path.basename(path))
    ends = tuple(f"_{m}{mask}" for m in method_names() for mask in ("", "_mask"))
    if ext.lower() != OUTPUT_EXTENSION or not stem.endswith(ends):
        return False
    from ..provenance import read_provenance
    return read_provenance(path).made_by_hsad
