"""The Processing parameters that say which pixels of a scene count, and what its bands are:
an area of interest (a map extent or a polygon layer), pixels to exclude (a polygon layer or a
raster mask), the product's quality layers, a wavelength file, the sensor grid of an EMIT
granule; and the scene itself as a layer or as a product file QGIS cannot show as one layer.

QGIS types stop here: extents travel to the engine as numbers and a CRS in WKT, layers as files
(a layer that is not a file, or with a selection, is exported first by Processing), and the
engine moves them into the scene's CRS (:class:`hsad.engine.scenes.options.SceneOptions`).
"""
from __future__ import annotations

import os
import re

from qgis.core import (QgsProcessingException, QgsProcessingParameterBoolean,
                       QgsProcessingParameterEnum, QgsProcessingParameterExtent,
                       QgsProcessingParameterFeatureSource, QgsProcessingParameterFile,
                       QgsProcessingParameterRasterLayer)

from ...engine.scenes.options import DEFAULT_QUALITY, QUALITY_LAYERS, SceneOptions
from ..qgis_enums import POLYGON_SOURCE

INPUT_FILE_HELP = ("Input product file", "Instead of a layer: a product file as delivered, for "
                   "products QGIS does not show as one raster layer: an EMIT granule "
                   "(EMIT_L2A_RFL_*.nc, EMIT_L1B_RAD_*.nc, ortho-corrected through its GLT), a "
                   "PRISMA .he5, or any scene file. Give either this or the input scene.")
SCENE_HELP = (
    ("Area of interest (extent)", "Only the pixels of this map extent (in any CRS; moved "
     "into the scene's) are read, scored and written: a crop of the scene's own grid, same "
     "CRS and pixel alignment. A pixel belongs when its centre is inside."),
    ("Area of interest (polygons)", "Only the pixels whose centres fall inside these polygons "
     "count: the scene is cropped to their bounding box and the pixels outside them are "
     "nodata. Selected features only when the layer has a selection and the box is ticked."),
    ("Pixels to exclude (polygons)", "Pixels whose centres fall inside these polygons are "
     "nodata in the score and take no part in the background statistics or the threshold."),
    ("Pixels to exclude (raster mask)", "A raster whose non-zero pixels (band 1) are left out, "
     "like the polygons above; on the scene's grid, or resampled nearest-neighbour onto it "
     "(the scene pixels it does not cover are kept)."),
    ("Exclude the product's clouds, shadow, haze, snow and cirrus", "Apply the quality layers "
     "delivered with the product: EnMAP L2A QL_QUALITY_* files, the EMIT L2A mask granule "
     "(EMIT_L2A_MASK_*.nc beside the reflectance), DESIS L2A QL_QUALITY-2, PRISMA's Cloud_Mask. "
     "The excluded pixels are nodata in the score and outside every statistic."),
    ("Quality layers", "Which quality layers to exclude when the box above is ticked; empty: "
     f"{', '.join(DEFAULT_QUALITY)} (those the product has). Add water to leave water out."),
    ("Wavelengths file", "The band wavelengths when the file lost them (a mosaic made with "
     "Build Virtual Raster, a gdal_translate cut): an ENVI header, a CSV or band table (one "
     "band a row, optional FWHM column), or a raster that has them (an original tile)."),
    ("EMIT: read on the sensor grid", "Read an EMIT granule as stored (downtrack x crosstrack, "
     "without georeference) instead of ortho-correcting it onto its map grid."),
)
_HELP = dict(SCENE_HELP)


def add_scene_input(algorithm, input_help: str) -> None:
    """INPUT (a raster layer) and INPUT_FILE (a product file); one of them must be given."""
    algorithm.add(QgsProcessingParameterRasterLayer("INPUT", "Input scene", optional=True),
                  help_text=input_help + " Or give an input product file.")
    algorithm.add(QgsProcessingParameterFile("INPUT_FILE", INPUT_FILE_HELP[0], optional=True),
                  help_text=INPUT_FILE_HELP[1])


def add_scene_parameters(algorithm) -> None:
    """The area, exclusion, quality, wavelength and sensor-grid parameters."""
    def add(parameter, advanced: bool = False) -> None:
        algorithm.add(parameter, advanced=advanced, help_text=_HELP[parameter.description()])

    add(QgsProcessingParameterExtent("AREA", "Area of interest (extent)", optional=True))
    add(QgsProcessingParameterFeatureSource("AREA_LAYER", "Area of interest (polygons)",
                                            [POLYGON_SOURCE], optional=True))
    add(QgsProcessingParameterFeatureSource("EXCLUDE_LAYER", "Pixels to exclude (polygons)",
                                            [POLYGON_SOURCE], optional=True))
    add(QgsProcessingParameterRasterLayer("EXCLUDE_RASTER", "Pixels to exclude (raster mask)",
                                          optional=True))
    add(QgsProcessingParameterBoolean(
        "QUALITY_MASKS", "Exclude the product's clouds, shadow, haze, snow and cirrus", False))
    add(QgsProcessingParameterEnum("QUALITY_LAYERS", "Quality layers",
                                   options=list(QUALITY_LAYERS), allowMultiple=True,
                                   optional=True, usesStaticStrings=True), advanced=True)
    add(QgsProcessingParameterFile("WAVELENGTHS", "Wavelengths file", optional=True),
        advanced=True)
    add(QgsProcessingParameterBoolean("SENSOR_GRID", "EMIT: read on the sensor grid", False),
        advanced=True)


def scene_input_check(parameters) -> tuple:
    """(ok, message): exactly one of INPUT and INPUT_FILE."""
    given = [name for name in ("INPUT", "INPUT_FILE") if _given(parameters.get(name))]
    if len(given) == 1:
        return True, ""
    if not given:
        return False, "Give an input scene (a layer) or an input product file."
    return False, "Give either an input scene or an input product file, not both."


def scene_source(algorithm, parameters, context) -> str:
    """The scene's file: the product file, or the file behind the layer (a product's
    sub-dataset, such as an EMIT granule's reflectance, names its product file)."""
    if _given(parameters.get("INPUT_FILE")):
        path = algorithm.parameterAsFile(parameters, "INPUT_FILE", context)
        if not os.path.exists(path):
            raise QgsProcessingException(f"{path}: file not found")
        return path
    return product_file(algorithm.raster_source(parameters, "INPUT", context))


def product_file(source: str) -> str:
    """``NETCDF:"x.nc":reflectance`` or ``HDF5:"x.he5"://...`` -> the file; else ``source``."""
    found = re.match(r'^(?:NETCDF|HDF5|HDF4_\w+):"([^"]+)":', source)
    return found.group(1) if found else source


def scene_options(algorithm, parameters, context, feedback=None) -> SceneOptions:
    """The engine's SceneOptions from the parameters of :func:`add_scene_parameters`."""
    area, area_crs = None, ""
    if _given(parameters.get("AREA")):
        rect = algorithm.parameterAsExtent(parameters, "AREA", context)
        crs = algorithm.parameterAsExtentCrs(parameters, "AREA", context)
        if not rect.isNull() and not rect.isEmpty():
            area = (rect.xMinimum(), rect.yMinimum(), rect.xMaximum(), rect.yMaximum())
            area_crs = crs.toWkt() if crs.isValid() else ""
    if _given(parameters.get("AREA_LAYER")):
        if area is not None:
            raise QgsProcessingException("Give the area of interest as an extent or as "
                                         "polygons, not both.")
        area = _layer_file(algorithm, parameters, "AREA_LAYER", context, feedback)
    exclude = []
    if _given(parameters.get("EXCLUDE_LAYER")):
        exclude.append(_layer_file(algorithm, parameters, "EXCLUDE_LAYER", context, feedback))
    if _given(parameters.get("EXCLUDE_RASTER")):
        exclude.append(product_file(algorithm.raster_source(parameters, "EXCLUDE_RASTER",
                                                            context)))
    quality = ()
    if algorithm.parameterAsBool(parameters, "QUALITY_MASKS", context):
        chosen = [name for name in algorithm.parameterAsEnumStrings(
            parameters, "QUALITY_LAYERS", context) if name]
        quality = tuple(chosen) or DEFAULT_QUALITY
    wavelengths = algorithm.parameterAsFile(parameters, "WAVELENGTHS", context) \
        if _given(parameters.get("WAVELENGTHS")) else None
    return SceneOptions(area=area, area_crs=area_crs, exclude=tuple(exclude), quality=quality,
                        wavelengths=wavelengths or None,
                        sensor_grid=algorithm.parameterAsBool(parameters, "SENSOR_GRID",
                                                              context))


def _layer_file(algorithm, parameters, name: str, context, feedback) -> str:
    """A vector layer as a file OGR reads (Processing exports memory layers, selections and
    non-file providers to a temporary GeoPackage)."""
    path = algorithm.parameterAsCompatibleSourceLayerPath(
        parameters, name, context, ["gpkg", "shp", "geojson"], "gpkg", feedback)
    if not path:
        raise QgsProcessingException(f"{name}: no polygon layer given")
    return path


def _given(value) -> bool:
    if value is None or value == "" or value == []:
        return False
    return not (hasattr(value, "isNull") and value.isNull())
