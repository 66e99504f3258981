"""Find pixels like a target spectrum: a scene and a target in, a styled target-score layer out.

The target comes from an anomaly object (Anomaly mask and objects' layer), a point on the map,
features of any vector layer, or a spectral library file. QGIS turns the map inputs into
geometries in their CRS; the engine reprojects them, reads the scene pixels under them and runs
the detector (:mod:`hsad.engine.methods.target`).
"""
from __future__ import annotations

from qgis.core import (QgsFeatureRequest, QgsProcessingException, QgsProcessingParameterBand,
                       QgsProcessingParameterBoolean, QgsProcessingParameterEnum,
                       QgsProcessingParameterFeatureSource, QgsProcessingParameterFile,
                       QgsProcessingParameterNumber, QgsProcessingParameterPoint,
                       QgsProcessingParameterRasterDestination,
                       QgsProcessingParameterRasterLayer, QgsProcessingParameterString,
                       QgsProcessingParameterVectorLayer)

from ...engine.methods import DEFAULT_TARGET_METHOD, TARGET, detector_class, method_names
from ...engine.methods.target.parameters import TargetParameters
from ...engine.methods.target.pixels import Geometries
from ...engine.methods.target.sources import (SPECTRUM_CHOICES, GeometrySource, LibrarySource,
                                              point_source)
from ...engine.pipeline import detect_scene
from ...engine.scoring import DEFAULT_TILE_SIZE
from ..layer_names import layer_name, scene_name
from ..qgis_enums import DOUBLE, GEOMETRY_SOURCE, INTEGER, POLYGON_SOURCE
from ..styling import style_on_load
from .base import HsadAlgorithm
from .method_parameters import extra_nodata

SOURCES = ("OBJECTS", "POINT", "FEATURES", "LIBRARY")


def _methods_text() -> str:
    return " ".join(f"{n}: {detector_class(n, TARGET).label}, "
                    f"{detector_class(n, TARGET).summary}." for n in method_names(TARGET))


class TargetAlgorithm(HsadAlgorithm):
    algorithm_id = "target"
    title = "Find pixels like a target spectrum"
    keywords = ("hyperspectral", "target", "detection", "ace", "matched filter", "cem",
                "spectral angle", "library", "find more like this")
    summary = ("Scores every pixel of a hyperspectral scene by how much it looks like a target "
               "spectrum, taken from an anomaly object, a point on the map, features of a vector "
               "layer or a spectral library, and writes a float32 score raster on the scene's "
               "grid (nodata where the scene is invalid). Higher is more like the target. Give "
               "exactly one target.")
    help_items = (
        ("Input scene", "A hyperspectral raster (a canvas layer or a file): the scene searched, "
         "and the scene the object, point or features are read from."),
        ("Method", "The detector. " + _methods_text() + " The background (scene mean and "
         "covariance) comes from every valid pixel of the scene, the target's own included."),
        ("Anomaly objects", "An objects layer of Anomaly mask and objects: the object with the "
         "given object_id is the target (find more like it)."),
        ("Object id", "The object_id of the object (1: the one with the highest peak score)."),
        ("Target point", "A point on the map: the scene pixel under it is the target."),
        ("Target features", "Points or polygons of any vector layer on the target (selected "
         "features only, if you ask): the pixels under the points and inside the polygons."),
        ("Spectral library", "A CSV file (a wavelength column, one column per spectrum, a "
         "header naming them; the unit in the wavelength column's name, e.g. 'wavelength (nm)') "
         "or an ENVI spectral library (.sli with its .hdr). The spectrum is resampled to the "
         "scene's bands by wavelength (each band's response: its FWHM; a spectrum sampled at the "
         "scene's own band centres is taken as it is); scene bands outside the library's range "
         "are left out."),
        ("Spectrum name", "Which spectrum of the library (needed when it holds several)."),
        ("Spectrum of an object or polygons", "mean: the mean of the pixels they cover. peak: "
         "the covered pixel farthest from the scene background (Mahalanobis distance), the one "
         "least mixed with its surroundings."),
        ("Library scale", "Multiplies the library spectrum to bring it to the scene's values "
         "(e.g. 10000 when the library is 0-1 reflectance and the scene is stored x 10000). "
         "Empty: as it is; a spectrum far from the scene's scale is then refused, as ACE and the "
         "matched filter compare it with the scene mean."),
        ("Bands", "Optional subset of bands to use; empty uses every band the file does not "
         "flag as bad."),
        ("Tile size", "Pixels per tile side. Memory use grows with its square; results do not "
         "depend on it."),
        ("Use bad bands", "Also use bands the file flags as bad (ENVI bbl)."),
        ("Extra nodata value", "A raw file value that also means nodata, in any band, on top of "
         "what the file declares. Empty: only the file's own nodata."),
        ("Target score", "The output raster (.tif GeoTIFF, or .img/.bsq ENVI), styled like an "
         "anomaly score and named 'target · <method> · <scene>'; its metadata records the target "
         "source and the spectrum used. Anomaly mask and objects turns it into objects."),
    )

    def define(self) -> None:
        h = dict(self.help_items)
        self.add(QgsProcessingParameterRasterLayer("INPUT", "Input scene"),
                 help_text=h["Input scene"])
        self.add(QgsProcessingParameterEnum("METHOD", "Method", options=method_names(TARGET),
                                            defaultValue=DEFAULT_TARGET_METHOD,
                                            usesStaticStrings=True), help_text=h["Method"])
        self.add(QgsProcessingParameterVectorLayer("OBJECTS", "Anomaly objects",
                                                   [POLYGON_SOURCE], optional=True),
                 help_text=h["Anomaly objects"])
        self.add(QgsProcessingParameterNumber("OBJECT_ID", "Object id", INTEGER, 1, minValue=1),
                 help_text=h["Object id"])
        self.add(QgsProcessingParameterPoint("POINT", "Target point", optional=True),
                 help_text=h["Target point"])
        self.add(QgsProcessingParameterFeatureSource("FEATURES", "Target features",
                                                     [GEOMETRY_SOURCE], optional=True),
                 help_text=h["Target features"])
        self.add(QgsProcessingParameterFile("LIBRARY", "Spectral library", optional=True,
                                            fileFilter="Spectral libraries (*.csv *.txt *.sli "
                                            "*.hdr);;All files (*)"),
                 help_text=h["Spectral library"])
        self.add(QgsProcessingParameterString("SPECTRUM_NAME", "Spectrum name", optional=True),
                 help_text=h["Spectrum name"])
        self.add(QgsProcessingParameterEnum("SPECTRUM", "Spectrum of an object or polygons",
                                            options=list(SPECTRUM_CHOICES), defaultValue="mean",
                                            usesStaticStrings=True),
                 help_text=h["Spectrum of an object or polygons"])
        self.add(QgsProcessingParameterNumber("SCALE", "Library scale", DOUBLE, None,
                                              optional=True, minValue=0.0), advanced=True,
                 help_text=h["Library scale"])
        self.add(QgsProcessingParameterBand("BANDS", "Bands", None, "INPUT", optional=True,
                                            allowMultiple=True), advanced=True,
                 help_text=h["Bands"])
        self.add(QgsProcessingParameterNumber("TILE_SIZE", "Tile size (pixels)", INTEGER,
                                              DEFAULT_TILE_SIZE, minValue=32, maxValue=4096),
                 advanced=True, help_text=h["Tile size"])
        self.add(QgsProcessingParameterBoolean("KEEP_BAD_BANDS", "Use bands flagged as bad",
                                               False), advanced=True, help_text=h["Use bad bands"])
        self.add(QgsProcessingParameterNumber("NODATA", "Extra nodata value", DOUBLE, None,
                                              optional=True), advanced=True,
                 help_text=h["Extra nodata value"])
        self.add(QgsProcessingParameterRasterDestination("OUTPUT", "Target score"),
                 help_text=h["Target score"])

    def checkParameterValues(self, parameters, context):  # noqa: N802 (QGIS API)
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        given = [name for name in SOURCES if _given(parameters.get(name))]
        if len(given) != 1:
            return False, ("Give exactly one target: anomaly objects, a target point, target "
                           "features or a spectral library" + (
                               f" (given: {', '.join(given)})" if given else ""))
        return True, ""

    def execute(self, parameters, context, feedback) -> dict:
        source = self.raster_source(parameters, "INPUT", context)
        output = self.parameterAsOutputLayer(parameters, "OUTPUT", context)
        params = TargetParameters(
            method=self.parameterAsEnumString(parameters, "METHOD", context)
            or DEFAULT_TARGET_METHOD,
            bands=self.parameterAsInts(parameters, "BANDS", context) or None,
            drop_bad_bands=not self.parameterAsBool(parameters, "KEEP_BAD_BANDS", context),
            tile_size=self.parameterAsInt(parameters, "TILE_SIZE", context),
            nodata=extra_nodata(self, parameters, context),
            target=self.target_source(parameters, context))
        params.check()
        self.log_versions(feedback)
        feedback.pushInfo(f"method {params.method}; target {params.target.describe()}")
        feedback.pushInfo(f"scene {source}")
        result = detect_scene(source, output, params, overwrite=True,
                              progress=self.progress_callback(feedback), log=feedback.pushInfo,
                              protect=params.target.files())
        for notice in result.notices:
            feedback.pushWarning(notice)
        target = result.parameters.get("target") or {}
        feedback.pushInfo(f"target spectrum: {target.get('description', '?')}; "
                          f"{result.seconds:.1f} s; valid pixels: {result.summary.valid_pixels}")
        feedback.pushInfo("score percentiles: " + ", ".join(
            f"{k} {v:.4g}" for k, v in result.summary.percentiles.items()))
        scene = scene_name(source)
        cls = detector_class(params.method, TARGET)
        abstract = (f"Target scores of {source} (higher = more like the target).\n"
                    f"Method {params.method}: {cls.label}, {cls.summary}.\n"
                    f"Target: {target.get('description', '?')}.\nhsad, file: {output}")
        style_on_load(context, output, layer_name(scene, "target", params.method),
                      abstract=abstract, title=layer_name(scene, "target", params.method, False))
        return {"OUTPUT": output}

    def target_source(self, parameters, context):
        """The engine's spectrum source from whichever target parameter was given."""
        spectrum = self.parameterAsEnumString(parameters, "SPECTRUM", context) or "mean"
        if _given(parameters.get("LIBRARY")):
            scale = parameters.get("SCALE")
            return LibrarySource(self.parameterAsFile(parameters, "LIBRARY", context),
                                 self.parameterAsString(parameters, "SPECTRUM_NAME", context),
                                 self.parameterAsDouble(parameters, "SCALE", context)
                                 if _given(scale) else None)
        if _given(parameters.get("POINT")):
            point = self.parameterAsPoint(parameters, "POINT", context)
            crs = self.parameterAsPointCrs(parameters, "POINT", context)
            return point_source(point.x(), point.y(), _crs_wkt(crs))
        if _given(parameters.get("OBJECTS")):
            layer = self.parameterAsVectorLayer(parameters, "OBJECTS", context)
            number = self.parameterAsInt(parameters, "OBJECT_ID", context)
            if layer.fields().indexOf("object_id") < 0:
                raise QgsProcessingException(f"{layer.name()}: has no object_id field (not an "
                                             "objects layer); give it as Target features")
            request = QgsFeatureRequest().setFilterExpression(f'"object_id" = {int(number)}')
            wkts = _wkts(layer.getFeatures(request))
            if not wkts:
                raise QgsProcessingException(f"{layer.name()}: has no object {number}")
            return GeometrySource(Geometries(wkts, _crs_wkt(layer.crs()),
                                             f"object {number} of {layer.name()}"), spectrum)
        features = self.parameterAsSource(parameters, "FEATURES", context)
        wkts = _wkts(features.getFeatures())
        if not wkts:
            raise QgsProcessingException("Target features: no feature with a geometry")
        return GeometrySource(Geometries(wkts, _crs_wkt(features.sourceCrs()),
                                         f"the {len(wkts)} feature(s) of "
                                         f"{features.sourceName()}"), spectrum)


def _given(value) -> bool:
    return value is not None and value != "" and not (hasattr(value, "isNull") and value.isNull())


def _wkts(features) -> tuple:
    return tuple(f.geometry().asWkt() for f in features
                 if f.hasGeometry() and not f.geometry().isEmpty())


def _crs_wkt(crs) -> str:
    return crs.toWkt() if crs is not None and crs.isValid() else ""
