"""The QGIS-free, torch-free engine: scenes in, scores out.

Raster I/O through GDAL, spectral metadata, tiling, detectors, metrics, the pipeline and the
``hsad`` command line. Importing it loads numpy and nothing else heavy.
"""
