"""The reading side of the corpus, continued: values a reader would get silently wrong (ENVI
layouts, float ranges, masks, HDF5 axes, placement, units, bad-band lists), names that are not
UTF-8, and messages that must name their file. corpus_reading.py appends these cases.
"""
from __future__ import annotations

import os

import numpy as np

import makers as m
import makers_reading as r
from corpus import Case, Setup, detect, plain


# -- values a reader would get silently wrong --------------------------------------------------
def envi_duplicate_lines(d):
    return plain(d, m.envi(d, "dup.dat", extra="lines = 11\n"), qgis=True)


def envi_header_one_line_short(d):
    return plain(d, m.envi(d, "short.dat", lines=11))


def envi_hex_offset(d):
    data = m.envi(d, "hex.dat", offset=0x400)
    r.envi_header_text(data, {"header offset = 1024": "header offset = 0x400"})
    return plain(d, data)


def float64_beyond_float32(d):
    cube = m.varied_cube().astype(np.float64)
    cube[5, 5] *= 1e300
    return plain(d, m.tif(d, "big64.tif", cube, dtype="float64"), qgis=True)


def denormal_scene(d):
    return plain(d, m.tif(d, "tiny.tif", (m.varied_cube() * 1e-41).astype(np.float32)))


def float64_below_float32(d):
    return plain(d, m.tif(d, "tiny64.tif", m.varied_cube().astype(np.float64) * 1e-300,
                          dtype="float64"))


def scale_beyond_float32(d):
    cube = m.varied_cube() * 1e-5
    cube[3, 3] = 1e20  # one pixel that the band scale lifts beyond float32
    path = m.tif(d, "scaled.tif", cube.astype(np.float32))
    from osgeo import gdal
    ds = gdal.Open(str(path), gdal.GA_Update)
    for band in range(6):
        ds.GetRasterBand(band + 1).SetScale(1e25)
    ds = None
    return plain(d, path)


def reflectance_scale_denormal(d):
    return plain(d, m.envi(d, "rsf.dat", extra="reflectance scale factor = 1e-320\n"))


def mask_hides_everything(d):
    return plain(d, r.masked_tif(d, "masked.tif", slice(None)), qgis=True)


def internal_mask_hides_everything(d):
    return plain(d, r.masked_tif(d, "masked.tif", slice(None), side_car=False))


def h5_rows_cols_bands(d):
    return plain(d, r.h5_cube(d, "cube.h5", m.varied_cube(40, 30, 6)))


def h5_axis_ambiguous(d):
    return plain(d, r.h5_cube(d, "cube.h5", m.varied_cube(40, 30, 50)))


def gcp_scene_to_envi(d):
    return plain(d, r.gcp_tif(d, "gcp.tif"), "out.img", names=str(d / "out.img"))


def undecodable_name_scored(d):
    scene = r.undecodable(d, b"sc\xe8ne.tif")
    out = d / "out.tif"
    return Setup(detect(scene, out), "", allowed=(str(out), str(d / "out.qml")))


def undecodable_name_in_batch(d):
    folder = d / "in"
    folder.mkdir()
    m.tif(folder, "good.tif")
    r.undecodable(folder, b"sc\xe8ne.tif", m.varied_cube(seed=2))
    out = d / "out"
    odd = os.fsdecode(os.fsencode(str(out)) + b"/sc\xe8ne_rx")
    return Setup(["batch", str(folder), "-o", str(out), "--method", "rx", "-q"], "",
                 allowed=(str(out), str(out / "summary.csv"), str(out / "summary.json"),
                          str(out / "good_rx.tif"), str(out / "good_rx.qml"),
                          odd + ".tif", odd + ".qml"))


def micrometres_labelled_nanometers(d):
    return plain(d, m.envi(d, "um.dat", extra="wavelength = {0.45, 0.55, 0.65, 0.85, 1.6, 2.2}"
                                              "\nwavelength units = Nanometers\n"), qgis=True)


def bbl_every_band_bad(d):
    return plain(d, m.envi(d, "bbl.dat", extra="bbl = {0, 0, 0, 0, 0, 0}\n"))


def thermal_for_the_model(d):
    data = m.envi(d, "lwir.dat", extra="wavelength = {8000, 8500, 9000, 9500, 10000, 11000}\n"
                                       "wavelength units = Nanometers\n")
    return Setup(["detect", str(data), "-o", str(d / "out.tif"), "--method", "twobranch", "-q"],
                 str(data))


def truth_every_pixel(d):
    a = m.tif(d, "a.tif")
    truth = m.tif(d, "truth.tif", np.ones((12, 10, 1), np.float32))
    return Setup(["evaluate", str(a), "--truth", str(truth), "--method", "rx", "-q"], str(truth))


VALUE_CASES = [
    Case("envi-duplicate-lines", "silent-wrong", "an ENVI header giving lines twice",
         envi_duplicate_lines, "gives 'lines' twice"),
    Case("envi-header-one-line-short", "silent-wrong",
         "an ENVI header declaring one line fewer than the data holds",
         envi_header_one_line_short, "but the header describes"),
    Case("envi-hex-offset", "silent-wrong", "header offset = 0x400", envi_hex_offset,
         "is not a whole number of bytes"),
    Case("float64-beyond-float32", "silent-wrong", "a float64 value of 1e301 (the anomaly)",
         float64_beyond_float32, "beyond the"),
    Case("denormal-scene", "silent-wrong", "a float32 scene scaled to 1e-40 (denormals)",
         denormal_scene, "below the"),
    Case("float64-below-float32", "silent-wrong", "a float64 scene scaled to 1e-298",
         float64_below_float32, "below the"),
    Case("scale-beyond-float32", "silent-wrong", "a band scale lifting one value beyond float32",
         scale_beyond_float32, "larger than float32 holds"),
    Case("reflectance-scale-denormal", "silent-wrong", "reflectance scale factor = 1e-320",
         reflectance_scale_denormal, "not a usable divisor"),
    Case("mask-hides-everything", "silent-wrong", "a .msk mask hiding every pixel",
         mask_hides_everything, "every pixel is nodata"),
    Case("internal-mask-hides-everything", "silent-wrong",
         "an internal TIFF mask hiding every pixel", internal_mask_hides_everything,
         "every pixel is nodata"),
    Case("h5-rows-cols-bands", "silent-wrong", "a generic .h5 cube stored rows x cols x bands",
         h5_rows_cols_bands, "rows x columns x bands"),
    Case("h5-axis-ambiguous", "ambiguous", "a generic .h5 cube of 40 x 30 x 50",
         h5_axis_ambiguous, "says which axis holds the bands"),
    Case("gcp-scene-to-envi", "silent-wrong", "a GCP-placed scene scored into an ENVI file",
         gcp_scene_to_envi, "choose a .tif output"),
    Case("undecodable-name-scored", "names", "a scene whose name is not UTF-8, scored",
         undecodable_name_scored, "", exit_code=0, subprocess=True),
    Case("undecodable-name-in-batch", "names", "a batch holding a scene named in Latin-1",
         undecodable_name_in_batch, "", exit_code=0),
    Case("micrometres-labelled-nanometers", "silent-wrong",
         "wavelengths 0.45-2.2 labelled Nanometers", micrometres_labelled_nanometers,
         "look like micrometres"),
    Case("bbl-every-band-bad", "silent-wrong", "a bbl flagging every band bad",
         bbl_every_band_bad, "flags every band as bad"),
    Case("thermal-for-the-model", "silent-wrong", "8-11 µm bands scored by the model",
         thermal_for_the_model, "fill 0 of the model's"),
    Case("truth-every-pixel", "messages", "a ground truth marking every pixel",
         truth_every_pixel, "needs both anomaly and background"),
]
