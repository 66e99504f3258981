"""What a scene file may make hsad open: one rule, decided before GDAL or h5py touch anything.

Reading a raster opens more than the file named: side-cars found by name (an ENVI ``.hdr``, a
``.tfw``, ``.aux.xml``, ``.ovr``, ``.msk``, ``_rpc.txt``... in any letter case), the sources a
VRT lists, the files and URLs an HDF5 file links to. A FIFO among them blocks GDAL for ever (in
C, beyond SIGTERM); a device never ends; a URL or a system file is read without a word. So:

- every file reached must be a regular file (or a link to one): the scene, each entry of its
  folder that shares its stem (case-insensitively), each VRT source and that source's own;
- a VRT may reach only regular local files inside its own folder (or below it): no
  ``/vsicurl/``, ``/vsigzip/`` or other ``/vsi`` path, no subdataset or driver prefix, no
  device, nothing outside the folder unless the user sets ``HSAD_VRT_SOURCES=anywhere``, and
  never a URL; a batch follows VRTs by the same rule, so a VRT in a batch folder reaches only
  files in that folder;
- an HDF5 file (MATLAB v7.3, netCDF-4, PRISMA...) must hold its own data: external links,
  external raw storage and virtual datasets drawing on other files are refused.

:func:`check_reach` returns the files a scene reads, for the size checks and for the watch that
notices a file changing while it is read. The checks list each folder once and read a few bytes
of each file; they run once, at open time.
"""
from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from typing import Optional

from ..errors import InputError
from .checks import file_kind

# Lifts the folder rule for VRT sources (never the regular-file rule).
VRT_SOURCES_ENV = "HSAD_VRT_SOURCES"
MAX_VRT_DEPTH = 8
MAX_VRT_BYTES = 64 * 1024 ** 2
MAX_REACHED_FILES = 100000
MAX_HDF5_OBJECTS = 100000
# Side-cars that GDAL opens as rasters in their own right (any driver): checked like a scene.
RASTER_SIDE_CARS = (".ovr", ".msk")
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
# Elements naming another file: GDAL raster VRTs (sources, warped and pansharpened inputs) and
# OGR vector VRTs (an area of interest given as a .vrt).
_VRT_REFERENCE_TAGS = ("SourceFilename", "SourceDataset", "SrcDataSource")


@dataclass
class Reach:
    """The regular files reading a scene opens: ``data`` (the scene, the sources a VRT reads),
    which must not change while they are read, and ``side_cars``, which may (QGIS writes
    ``.aux.xml`` statistics while hsad reads)."""

    data: list = field(default_factory=list)
    side_cars: list = field(default_factory=list)
    _real: set = field(default_factory=set, repr=False)
    _listings: dict = field(default_factory=dict, repr=False)

    @property
    def files(self) -> list:
        return self.data + self.side_cars


def check_reach(path: str, what: str = "") -> Reach:
    """The files that reading ``path`` opens, each checked by this module's rule (the scene
    first). Raises :class:`InputError` naming ``path`` (and ``what`` it is for, such as
    " (pixels to exclude)") and what it would reach."""
    reach = Reach()
    _check_file(path, path, reach, depth=0, what=what)
    return reach


def _check_file(path: str, scene: str, reach: Reach, depth: int, what: str = "") -> None:
    if len(reach.data) + len(reach.side_cars) > MAX_REACHED_FILES:
        raise InputError(f"{scene}: reaches more than {MAX_REACHED_FILES} files; hsad stops here")
    kind = file_kind(path)
    if kind:
        verb = "is" if path == scene else f"reaches {path}, which is"
        raise InputError(f"{scene}: {verb} {kind}, not a file hsad can read{what}")
    real = os.path.realpath(path)
    if real in reach._real:
        return
    reach._real.add(real)
    reach.data.append(path)
    for side in _side_cars(path, scene, reach):
        if os.path.realpath(side) in reach._real:
            continue
        reach.side_cars.append(side)
        if side.lower().endswith(RASTER_SIDE_CARS) and _is_vrt(side):
            _check_vrt(side, scene, reach, depth + 1)
    if _is_vrt(path):
        _check_vrt(path, scene, reach, depth + 1)
    elif _head(path, 64).lstrip().startswith(b"DatasetHeader Begin"):
        _check_ers(path, scene, reach, depth + 1)
    elif _is_hdf5(path):
        check_hdf5_reach(path, scene)


def _side_cars(path: str, scene: str, reach: Reach) -> list:
    """The entries beside ``path`` that GDAL may open for it (those sharing its stem, in any
    case); refuses any that is not a regular file."""
    folder, name = os.path.split(path)
    stem = os.path.splitext(name)[0].lower()
    prefixes = (stem + ".", name.lower() + ".", stem + "_rpc")
    if folder not in reach._listings:
        try:
            reach._listings[folder] = [e.name for e in os.scandir(folder or ".")]
        except OSError:
            reach._listings[folder] = []
    found = []
    for entry in sorted(reach._listings[folder]):
        lower = entry.lower()
        if entry == name or not lower.startswith(prefixes):
            continue
        side = os.path.join(folder, entry)
        kind = file_kind(side)
        if kind == "a folder" or not os.path.exists(side):
            continue  # GDAL reads no folder as a side-car; a broken link opens nothing
        if kind:
            owner = "" if path == scene else f" (beside {path}, which it reaches)"
            raise InputError(f"{scene}: its side-car {side}{owner} is {kind}, not a file; "
                             "remove it")
        found.append(side)
    return found


def _head(path: str, size: int = 4096) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(size)
    except OSError:
        return b""


def _is_vrt(path: str) -> bool:
    """An XML file naming a VRT root anywhere in its opening (after an XML declaration or
    comments, as GDAL's own test finds it), whatever its extension."""
    head = _head(path, 65536).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") and (b"<VRTDataset" in head or b"<OGRVRTDataSource" in head)


def _is_hdf5(path: str) -> bool:
    """HDF5 files put their signature at byte 0, 512, 1024, 2048... (after a user block)."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as handle:
            offset = 0
            while offset + 8 <= size and offset <= 1 << 20:
                handle.seek(offset)
                head = handle.read(8)
                if head == _HDF5_SIGNATURE:
                    return True
                offset = 512 if offset == 0 else offset * 2
    except OSError:
        return False
    return False


def _check_vrt(path: str, scene: str, reach: Reach, depth: int) -> None:
    """Each source a VRT names: a regular local file inside the VRT's folder, checked in turn."""
    if depth > MAX_VRT_DEPTH:
        raise InputError(f"{scene}: VRTs nested more than {MAX_VRT_DEPTH} deep (or in a loop)")
    if os.path.getsize(path) > MAX_VRT_BYTES:
        raise InputError(f"{scene}: the VRT {path} is larger than {MAX_VRT_BYTES // 1024 ** 2} MB")
    try:
        root = ElementTree.parse(path).getroot()
    except (ElementTree.ParseError, OSError) as exc:
        raise InputError(f"{scene}: not a readable VRT ({' '.join(str(exc).split())[:160]})") \
            from None
    folder = os.path.dirname(os.path.abspath(path))
    parents = {child: parent for parent in root.iter() for child in parent}
    for element in root.iter():
        if element.tag not in _VRT_REFERENCE_TAGS:
            continue
        text = (element.text or "").strip()
        raw_band = parents.get(element) is not None and \
            parents[element].get("subClass") == "VRTRawRasterBand"
        relative = next((v for k, v in element.attrib.items() if k.lower() == "relativetovrt"),
                        "1" if raw_band else "0")  # GDAL's defaults
        source = _vrt_source_path(text, relative, folder)
        if source is None or not os.path.lexists(source):
            raise InputError(f"{scene}: reaches '{text[:120]}', which is not a file on this "
                             "machine; hsad reads VRT sources that are local files only")
        kind = file_kind(source)
        if kind:
            raise InputError(f"{scene}: reaches {source}, which is {kind}, not a file hsad can "
                             "read")
        if not _within(source, folder) and os.environ.get(VRT_SOURCES_ENV, "") != "anywhere":
            real = os.path.realpath(source)
            shown = source if real == os.path.abspath(source) else f"{source} (a link to {real})"
            raise InputError(f"{scene}: reaches {shown}, outside the VRT's folder; hsad "
                             f"follows VRT sources inside that folder only (set "
                             f"{VRT_SOURCES_ENV}=anywhere to allow others)")
        _check_file(source, scene, reach, depth)
        if element.tag != "SrcDataSource":  # a vector VRT's layers are read by OGR
            _check_driver(source, scene)


def _check_ers(path: str, scene: str, reach: Reach, depth: int) -> None:
    """An ER Mapper header names its data file (``DataFile = "..."``, else the header's own
    name without ``.ers``): by the VRT rule, a regular file inside the header's folder."""
    text = _head(path, 1 << 20).decode("latin-1")
    found = re.search(r'^\s*DataFile\s*=\s*"?([^"\r\n]+)"?', text, re.MULTILINE)
    folder = os.path.dirname(os.path.abspath(path))
    data = os.path.join(folder, found.group(1).strip()) if found else os.path.splitext(path)[0]
    if not os.path.lexists(data):
        return  # GDAL reports the missing data file
    kind = file_kind(data)
    if kind:
        raise InputError(f"{scene}: reaches {data}, which is {kind}, not a file hsad can read")
    if not _within(data, folder):
        raise InputError(f"{scene}: its header names {data}, outside its folder; hsad reads an "
                         "ER Mapper data file beside its header only")
    _check_file(data, scene, reach, depth)


def _vrt_source_path(text: str, relative: str, folder: str) -> Optional[str]:
    """A source name as a local path, or None for what is not one (``/vsi...``, URLs,
    ``DRIVER:...`` connection strings, empty names)."""
    if not text or text.startswith("/vsi") or re.match(r"^[A-Za-z][A-Za-z0-9_+.-]*:", text) \
            and not re.match(r"^[A-Za-z]:[\\/]", text):
        return None
    if relative.strip() == "1" or not os.path.isabs(text):
        return os.path.normpath(os.path.join(folder if relative.strip() == "1"
                                             else os.getcwd(), text))
    return text


def _within(path: str, folder: str) -> bool:
    real, top = os.path.realpath(path), os.path.realpath(folder)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def _check_driver(path: str, scene: str) -> None:
    """A VRT source GDAL would open with a driver that reaches servers (a WMS description
    named .tif) is refused like a URL."""
    from ..gdal_env import confined, gdal, gdal_path, local_drivers
    g = gdal()
    with confined():
        try:
            driver = g.IdentifyDriverEx(gdal_path(path), g.OF_RASTER,
                                        allowed_drivers=local_drivers())
        except RuntimeError:
            driver = None
    if driver is None:
        raise InputError(f"{scene}: reaches {path}, which is not a raster file hsad reads")


def check_hdf5_reach(path: str, scene: Optional[str] = None) -> None:
    """Refuse an HDF5 file that draws on other files: external links, datasets stored in
    external raw files, virtual datasets whose sources are elsewhere."""
    import h5py
    scene = scene or path
    try:
        handle = h5py.File(path, "r")
    except (OSError, ValueError):
        return  # not HDF5 after all: the reader says what it is
    seen: set = set()
    count = [0]
    with handle:
        _walk_hdf5(handle, path, scene, seen, count)


def _walk_hdf5(group, path: str, scene: str, seen: set, count: list) -> None:
    import h5py
    for name in group:
        count[0] += 1
        if count[0] > MAX_HDF5_OBJECTS:
            raise InputError(f"{scene}: holds more than {MAX_HDF5_OBJECTS} HDF5 objects")
        link = group.get(name, getlink=True)
        where = f"{group.name.rstrip('/')}/{name}"
        if isinstance(link, h5py.ExternalLink):
            raise InputError(f"{scene}: its HDF5 object {where} links to {link.filename}; hsad "
                             "reads HDF5 files that hold their own data only")
        if isinstance(link, h5py.SoftLink):
            continue
        item = group[name]
        if item.id in seen:  # a group hard-linked into itself
            continue
        seen.add(item.id)
        if isinstance(item, h5py.Group):
            _walk_hdf5(item, path, scene, seen, count)
        elif isinstance(item, h5py.Dataset):
            _check_dataset(item, where, scene)


def _check_dataset(item, where: str, scene: str) -> None:
    external = item.external
    if external:
        raise InputError(f"{scene}: its HDF5 dataset {where} is stored in {external[0][0]!r}; "
                         "hsad reads HDF5 files that hold their own data only")
    if item.is_virtual:
        elsewhere = [s.file_name for s in item.virtual_sources() if s.file_name != "."]
        if elsewhere:
            raise InputError(f"{scene}: its HDF5 dataset {where} draws on {elsewhere[0]!r}; "
                             "hsad reads HDF5 files that hold their own data only")
