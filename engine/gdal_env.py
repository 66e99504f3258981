"""GDAL, as every engine module uses it: Python exceptions on, one place to configure it.

Every raster and vector read or write in hsad goes through GDAL's Python bindings, which every
QGIS ships; this module is the one door to them, so that no module imports ``osgeo`` with
different settings.

It also confines what GDAL may do while hsad reads a user's scene (:func:`confined`): no
network (GDAL's ``/vsicurl/`` family refuses every URL), no Python code inside a VRT, and a
scene is opened only by a driver for local files (:data:`LOCAL_RASTER_DRIVERS`), never by one
that fetches from a server (WMS, WCS, the HTTP driver...). The options are set for the calling
thread only, so a QGIS session around hsad keeps its own settings.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator, Union

# Drivers that read a local file (and, for some, side-cars named after it, or the data file an
# ERS header names, which engine/scenes/reach.py checks): the formats users keep hyperspectral
# cubes in. Drivers that reach servers (WMS, WCS, HTTP, EEDA, STAC...) or open files their
# labels name anywhere unchecked (PDS, ISIS, MRF, PAux, PCIDSK linked channels, HDF4 external
# elements, tile indexes...) are left out; a scene in such a format (a Hyperion L1R .hdf, say) is
# converted first (gdal_translate).
LOCAL_RASTER_DRIVERS = (
    "GTiff", "COG", "ENVI", "EHdr", "GenBin", "BT", "ISCE", "ROI_PAC", "HFA", "LAN", "ERS",
    "netCDF", "HDF5", "HDF5Image", "KEA", "JP2OpenJPEG", "NITF", "RST", "SAGA", "FITS",
    "PNG", "JPEG", "GIF", "BMP", "PNM", "VRT")
# What GDAL may not do while hsad reads: fetch a URL (no file name is this one), run Python
# code a VRT carries, or list folders over the network.
_CONFINED_OPTIONS = {
    "CPL_VSIL_CURL_ALLOWED_FILENAME": "/vsicurl/hsad-reads-local-files-only",
    "GDAL_VRT_ENABLE_PYTHON": "NO",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
}


def gdal():
    """The GDAL module, with Python exceptions on (they carry GDAL's own message)."""
    from osgeo import gdal as _gdal
    _gdal.UseExceptions()
    return _gdal


@contextmanager
def confined(**options: str) -> Iterator[None]:
    """GDAL without network and without VRT Python code, for this thread, while in the block
    (around every open and read of a user's scene: a VRT opens its sources on first read);
    ``options``: more configuration options for this thread meanwhile."""
    g = gdal()
    options = {**_CONFINED_OPTIONS, **options}
    saved = {key: g.GetThreadLocalConfigOption(key, None) for key in options}
    for key, value in options.items():
        g.SetThreadLocalConfigOption(key, value)
    try:
        yield
    finally:
        for key, value in saved.items():
            g.SetThreadLocalConfigOption(key, value)


def local_drivers() -> list:
    """The names of :data:`LOCAL_RASTER_DRIVERS` this GDAL has (for ``allowed_drivers``)."""
    g = gdal()
    return [name for name in LOCAL_RASTER_DRIVERS if g.GetDriverByName(name) is not None]


def gdal_path(path: str) -> Union[str, bytes]:
    """``path`` as GDAL's bindings take it: a file name that is not valid UTF-8 (Python holds
    its bytes as surrogates) goes as the file system's own bytes, which GDAL passes through."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path)


def python_path(name: Union[str, bytes]) -> str:
    """A file name GDAL returned (bytes for names that are not UTF-8) as Python holds it."""
    return os.fsdecode(name) if isinstance(name, bytes) else name
