"""GDAL, as every engine module uses it: Python exceptions on, one place to configure it.

Every raster and vector read or write in hsad goes through GDAL's Python bindings, which every
QGIS ships; this module is the one door to them, so that no module imports ``osgeo`` with
different settings.
"""
from __future__ import annotations


def gdal():
    """The GDAL module, with Python exceptions on (they carry GDAL's own message)."""
    from osgeo import gdal as _gdal
    _gdal.UseExceptions()
    return _gdal
