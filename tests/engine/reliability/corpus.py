"""The hostile-input corpus: what careful and careless users (and hostile files) throw at hsad.

Each :class:`Case` makes its files in an empty folder and says what `hsad` is run with and what
must happen: the exit code (2 for bad input), a fragment of the one-line message, and the file
(or option) that line must name. The test modules run every case through the command line (in
process, under a memory cap), a share as real processes and a share through ``processing.run``;
``scripts/reliability_table.py`` turns the table into docs/reliability.md.

Every case must leave every input byte unchanged and nothing behind but what ``allowed`` lists.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import numpy as np

import makers as m

CATEGORIES = {
    "data-loss": "Outputs that would replace a user's file",
    "declared-vs-held": "Headers and containers that declare more than they hold",
    "resource": "Resource exhaustion from small inputs and option values",
    "never-ends": "Inputs that never end (special files)",
    "ambiguous": "Ambiguous inputs (which array, which units)",
    "degenerate": "Degenerate scenes (nothing to tell apart)",
    "mangled": "Values a reader would mangle silently",
    "options": "Option values that mean something else",
    "messages": "Plain mistakes: missing, wrong kind of file",
    "names": "Names: long, odd, clashing",
    "leftovers": "Failures after the output was started",
}


@dataclass
class Setup:
    """What a case made: the hsad arguments, what the message must name, and the same run
    through Processing when the case is in its share."""

    argv: list
    names: str
    processing: Optional[tuple] = None  # (algorithm id, parameters)
    allowed: tuple = ()  # paths a run may create (a batch's summary, a finished scene's score)
    processing_names: str = ""  # what the Processing message names, when not ``names``


@dataclass(frozen=True)
class Case:
    id: str
    category: str
    hazard: str  # what the hostile input is, in a few words
    make: Callable[[Path], Setup] = field(repr=False)
    expect: str  # a fragment of the message
    exit_code: int = 2
    subprocess: bool = False  # also run as a real `hsad` process under a memory cap


def detect(scene, out, *extra) -> list:
    return ["detect", str(scene), "-o", str(out), "--method", "rx", "-q", *map(str, extra)]


def detect_in_qgis(scene, out, **extra) -> tuple:
    return "hsad:detect", {"INPUT": str(scene), "METHOD": "rx", "OUTPUT": str(out), **extra}


def plain(d: Path, scene, out_name: str = "out.tif", *extra, qgis: bool = False,
          names=None) -> Setup:
    """A detect run of ``scene`` into ``d/out_name`` that must be refused naming ``names``."""
    out = d / out_name
    return Setup(detect(scene, out, *extra), str(names or scene),
                 detect_in_qgis(scene, out) if qgis else None)


def _batch_folder(d: Path, names=("a.tif",)) -> Path:
    folder = d / "in"
    folder.mkdir()
    for k, name in enumerate(names):
        m.tif(folder, name, m.varied_cube(seed=k))
    return folder


def _labelled_mat(d: Path, name: str = "s.mat", **more) -> Path:
    cube = m.varied_cube(12, 10, 6)
    truth = np.zeros((12, 10))
    truth[3, 4] = 1
    return m.mat_v5(d, name, {"data": cube, "map": truth, **more})


# -- data loss -------------------------------------------------------------------------------
def json_onto_scene(d):
    a = m.tif(d, "a.tif")
    return Setup(detect(a, d / "out.tif", "--json", a), str(a))


def json_onto_scene_info(d):
    a = m.tif(d, "a.tif")
    return Setup(["info", str(a), "--json", str(a)], str(a))


def json_onto_header_info(d):
    a = m.envi(d, "a.dat")
    return Setup(["info", str(a), "--json", str(m.header(a))], str(m.header(a)))


def json_onto_user_file(d):
    a = m.tif(d, "a.tif")
    notes = d / "notes.txt"
    notes.write_text("field notes\n")
    return Setup(["info", str(a), "--json", str(notes)], str(notes))


def json_onto_scene_evaluate(d):
    s = _labelled_mat(d)
    return Setup(["evaluate", str(s), "--method", "rx", "-q", "--json", str(s)], str(s))


def json_onto_scene_batch(d):
    folder = _batch_folder(d)
    target = folder / "a.tif"
    return Setup(["batch", str(folder), "-o", str(d / "out"), "--method", "rx", "-q",
                  "--json", str(target)], str(target))


def output_is_scene(d):
    a = m.tif(d, "a.tif")
    return Setup(detect(a, a, "--overwrite"), str(a))


def output_hard_link(d):
    a = m.tif(d, "a.tif")
    os.link(a, d / "b.tif")
    return Setup(detect(a, d / "b.tif", "--overwrite"), str(d / "b.tif"),
                 detect_in_qgis(a, d / "b.tif"))


def output_symlink(d):
    a = m.tif(d, "a.tif")
    m.link(d / "b.tif", str(a))
    return Setup(detect(a, d / "b.tif", "--overwrite"), str(d / "b.tif"))


def output_header_is_scene_header(d):
    a = m.envi(d, "a.dat")
    return Setup(detect(a, d / "a.img", "--overwrite"), str(d / "a.img"),
                 detect_in_qgis(a, d / "a.img"))


def output_header_of_other_dataset(d):
    a = m.tif(d, "a.tif")
    m.envi(d, "other.bsq", m.varied_cube(seed=3))
    return Setup(detect(a, d / "other.img"), str(d / "other.hdr"),
                 detect_in_qgis(a, d / "other.img"))


def existing_style(d):
    a = m.tif(d, "a.tif")
    (d / "out.qml").write_text("<qgis>the user's own style</qgis>\n")
    return Setup(detect(a, d / "out.tif"), str(d / "out.qml"))


def existing_output(d):
    a = m.tif(d, "a.tif")
    m.tif(d, "out.tif", m.varied_cube(seed=5))
    return Setup(detect(a, d / "out.tif"), str(d / "out.tif"))


def output_is_folder(d):
    a = m.tif(d, "a.tif")
    (d / "results.tif").mkdir()
    return Setup(detect(a, d / "results.tif"), str(d / "results.tif"))


def output_under_a_file(d):
    a = m.tif(d, "a.tif")
    (d / "afile").write_text("not a folder\n")
    return Setup(detect(a, d / "afile" / "sub" / "out.tif"), str(d / "afile"))


def output_unsupported(d):
    a = m.tif(d, "a.tif")
    return Setup(detect(a, d / "out.png"), str(d / "out.png"))


def output_onto_fifo(d):
    a = m.tif(d, "a.tif")
    m.fifo(d / "out.tif")
    return Setup(detect(a, d / "out.tif", "--overwrite"), str(d / "out.tif"),
                 detect_in_qgis(a, d / "out.tif"))


def json_onto_fifo(d):
    a = m.tif(d, "a.tif")
    m.fifo(d / "run.json")
    return Setup(["info", str(a), "--json", str(d / "run.json"), "--overwrite"],
                 str(d / "run.json"))


def batch_output_is_input(d):
    folder = _batch_folder(d, ("a.tif", "a_rx.tif"))
    return Setup(["batch", str(folder), "-o", str(folder), "--method", "rx", "--overwrite", "-q"],
                 str(folder / "a_rx.tif"),
                 ("hsad:detectfolder", {"INPUT": str(folder), "METHOD": "rx",
                                        "OUTPUT": str(folder), "OVERWRITE": True}))


def batch_foreign_output(d):
    folder = _batch_folder(d)
    out = d / "out"
    out.mkdir()
    m.tif(out, "a_rx.tif", m.varied_cube(seed=9))
    return Setup(["batch", str(folder), "-o", str(out), "--method", "rx", "--overwrite", "-q"],
                 str(out / "a_rx.tif"), allowed=(str(out / "summary.csv"),
                                                 str(out / "summary.json")))


def batch_corrupt_scene(d):
    folder = _batch_folder(d, ("good.tif",))
    (folder / "bad.tif").write_bytes(b"II*\0" + os.urandom(300))
    out = d / "out"
    return Setup(["batch", str(folder), "-o", str(out), "--method", "rx", "-q"], "bad.tif",
                 allowed=(str(out), str(out / "summary.csv"), str(out / "summary.json"),
                          str(out / "good_rx.tif"), str(out / "good_rx.qml")))


def batch_user_summary(d):
    folder = _batch_folder(d)
    out = d / "out"
    out.mkdir()
    (out / "summary.csv").write_text("the user's own table\n")
    return Setup(["batch", str(folder), "-o", str(out), "--method", "rx", "-q"],
                 str(out / "summary.csv"))


def batch_json_user_file(d):
    folder = _batch_folder(d)
    report = d / "report.json"
    report.write_text('{"mine": true}\n')
    return Setup(["batch", str(folder), "-o", str(d / "out"), "--method", "rx", "-q",
                  "--json", str(report)], str(report))


# -- declared vs held ------------------------------------------------------------------------
def envi_truncated(d):
    return plain(d, m.envi(d, "cut.dat", data_bytes=100), qgis=True)


def envi_huge_dimensions(d):
    return plain(d, m.envi(d, "huge.dat", lines=1_000_000, samples=1_000_000, bands=1000))


def envi_offset_past_end(d):
    return plain(d, _envi_offset(d))


def _envi_offset(d):
    data = m.envi(d, "offset.dat")
    text = m.header(data).read_text().replace("header offset = 0", "header offset = 1000000000")
    m.header(data).write_text(text)
    return data


def envi_zero_bands(d):
    return plain(d, m.envi(d, "nobands.dat", bands=0))


def envi_zero_lines(d):
    return plain(d, m.envi(d, "nolines.dat", lines=0))


def envi_garbage_size(d):
    data = m.envi(d, "garbage.dat")
    text = m.header(data).read_text().replace("samples = 10", "samples = many")
    m.header(data).write_text(text)
    return plain(d, data)


def envi_unknown_type(d):
    return plain(d, m.envi(d, "type99.dat", data_type=99))


def envi_wavelength_count(d):
    return plain(d, m.envi(d, "wl.dat", extra="wavelength = {400, 500, 600}\n"
                                              "wavelength units = nm\n"))


def envi_bbl_count(d):
    return plain(d, m.envi(d, "bbl.dat", extra="bbl = {1, 0}\n"))


def tiff_sparse_huge(d):
    return plain(d, m.sparse_tif(d, "sparse.tif", 1_000_000, 1_000_000, 100))


def mat_forged_dims(d):
    return plain(d, m.mat_v5_forged_dims(d, "forged.mat", (100_000, 100_000, 200)))


def mat_v73_unwritten(d):
    return plain(d, m.mat_v73(d, "unwritten.mat", {}, {"data": (200, 4000, 4000)}))


def mat_not_matlab(d):
    path = d / "notes.mat"
    path.write_text("MATLAB is great\n" * 20)
    return plain(d, path)


def prisma_not_hdf5(d):
    path = d / "PRS_L2D_STD_20230101000000_20230101000005_0001.he5"
    path.write_bytes(b"\x89HDF\r\n\x1a\n" + os.urandom(200))
    return plain(d, path)


def hdf5_two_cubes(d):
    return plain(d, m.hdf5_two_cubes(d, "two.h5"))


def enmap_xml_bomb(d):
    cube = m.tif(d, "ENMAP01-L2A-DT0001-SPECTRAL_IMAGE.TIF")
    (d / "ENMAP01-L2A-DT0001-METADATA.XML").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{k} "{("&lol" + str(k - 1) + ";") * 10 if k > 1 else "&lol;" * 10}">'
                  for k in range(1, 10))
        + ']>\n<level_X><specific><bandCharacterisation><bandID number="1">'
          '<wavelengthCenterOfBand>&lol9;</wavelengthCenterOfBand></bandID>'
          '</bandCharacterisation></specific></level_X>\n')
    return plain(d, cube, names=d / "ENMAP01-L2A-DT0001-METADATA.XML")


# -- resource exhaustion ---------------------------------------------------------------------
def bands_huge_range(d):
    return plain(d, m.tif(d, "a.tif"), "out.tif", "--bands", "1-2000000000", names="--bands")


def workers_huge(d):
    folder = _batch_folder(d)
    return Setup(["batch", str(folder), "-o", str(d / "out"), "--method", "rx", "-q",
                  "--workers", "100000"], "--workers")


def tile_size_huge(d):
    return plain(d, m.tif(d, "a.tif"), "out.tif", "--tile-size", "1000000000",
                 names="--tile-size")


def lrx_many_bands(d):
    cube = m.varied_cube(30, 70, 2000)
    scene = m.envi(d, "wide.dat", cube)
    out = d / "out.tif"
    return Setup(["detect", str(scene), "-o", str(out), "--method", "lrx", "-q"], str(scene),
                 ("hsad:detect", {"INPUT": str(scene), "METHOD": "lrx", "OUTPUT": str(out)}))


# -- inputs that never end -------------------------------------------------------------------
def fifo_scene(d):
    return plain(d, m.fifo(d / "a.tif"))


def dev_zero_scene(d):
    data = m.link(d / "zero.dat", "/dev/zero")
    m.header(data).write_text("ENVI\nsamples = 10\nlines = 10\nbands = 4\nheader offset = 0\n"
                              "data type = 4\ninterleave = bsq\nbyte order = 0\n")
    return plain(d, data)


def fifo_header(d):
    data = m.envi(d, "a.dat")
    m.header(data).unlink()
    m.fifo(m.header(data))
    return plain(d, data)


def fifo_truth(d):
    a = m.tif(d, "a.tif")
    truth = m.fifo(d / "truth.tif")
    return Setup(["evaluate", str(a), "--truth", str(truth), "--method", "rx", "-q"], str(truth))


def fifo_mat(d):
    return plain(d, m.fifo(d / "a.mat"))


def dev_zero_truth_mat(d):
    a = m.tif(d, "a.tif")
    truth = m.link(d / "truth.mat", "/dev/zero")
    return Setup(["evaluate", str(a), "--truth", str(truth), "--method", "rx", "-q"], str(truth))


def fifo_in_batch(d):
    folder = _batch_folder(d, ("good.tif",))
    m.fifo(folder / "stream.tif")
    out = d / "out"
    return Setup(["batch", str(folder), "-o", str(out), "--method", "rx", "-q"], "stream.tif",
                 allowed=(str(out), str(out / "summary.csv"), str(out / "summary.json"),
                          str(out / "good_rx.tif"), str(out / "good_rx.qml")))


def fifo_no_extension_in_batch(d):
    folder = _batch_folder(d, ("good.tif",))
    m.fifo(folder / "stream")
    out = d / "out"
    return Setup(["batch", str(folder), "-o", str(out), "--method", "rx", "-q"], "stream",
                 allowed=(str(out), str(out / "summary.csv"), str(out / "summary.json"),
                          str(out / "good_rx.tif"), str(out / "good_rx.qml")))


# -- ambiguous -------------------------------------------------------------------------------
def mat_two_cubes(d):
    return plain(d, m.mat_v5(d, "two.mat", {"data": m.varied_cube(12, 10, 6),
                                           "data_smooth": m.varied_cube(12, 10, 5)}))


def mat_two_pixel_matrices(d):
    return plain(d, m.mat_v5(d, "unmix.mat", {"Y": np.random.default_rng(0).random((6, 120)),
                                             "Y_noisy": np.random.default_rng(1).random((5, 120)),
                                             "nRow": 12, "nCol": 10}))


def mat_two_truths(d):
    other = np.zeros((12, 10))
    other[7, 7] = 1
    s = _labelled_mat(d, gt=other)
    return Setup(["evaluate", str(s), "--method", "rx", "-q"], str(s))


def wavelength_units_unknown(d):
    return plain(d, m.envi(d, "wu.dat", extra="wavelength = {4, 5, 6, 7, 8, 9}\n"
                                              "wavelength units = Furlongs\n"))


def wavelength_units_mixed(d):
    cube = m.varied_cube()
    path = m.tif(d, "mixed.tif", cube, wavelengths=[450, 550, 650, 0.75, 0.85, 0.95])
    from osgeo import gdal
    ds = gdal.Open(str(path), gdal.GA_Update)
    for b in (4, 5, 6):
        ds.GetRasterBand(b).SetMetadataItem("wavelength_units", "Micrometers")
    ds = None
    return plain(d, path)


# -- degenerate ------------------------------------------------------------------------------
def one_pixel(d):
    return plain(d, m.tif(d, "one.tif", m.varied_cube(1, 1, 6)), qgis=True)


def constant_scene(d):
    return plain(d, m.tif(d, "flat.tif", np.full((12, 10, 6), 5.0, np.float32)), qgis=True)


def constant_large_scene(d):
    cube = np.full((80, 10, 6), 5.0, np.float32)
    cube[:3] = -1
    return plain(d, m.tif(d, "flat80.tif", cube, nodata=-1))


def fewer_pixels_than_bands(d):
    return plain(d, m.tif(d, "narrow.tif", m.varied_cube(3, 3, 20)))


def one_valid_pixel(d):
    cube = np.full((12, 10, 6), -1.0, np.float32)
    cube[4, 4] = m.varied_cube(1, 1, 6)[0, 0]
    return plain(d, m.tif(d, "lonely.tif", cube, nodata=-1))


def few_valid_pixels(d):
    cube = np.full((12, 10, 6), -1.0, np.float32)
    cube[4, 2:6] = m.varied_cube(1, 4, 6)[0]
    return plain(d, m.tif(d, "few.tif", cube, nodata=-1), qgis=True)


def all_zero_scene(d):
    return plain(d, m.tif(d, "zeros.tif", np.zeros((12, 10, 6), np.float32)))


def all_nodata_scene(d):
    return plain(d, m.tif(d, "empty.tif", np.full((12, 10, 6), -9999, np.float32),
                          nodata=-9999))


def one_band(d):
    return plain(d, m.tif(d, "single.tif", m.varied_cube(12, 10, 1)))


# -- mangled values --------------------------------------------------------------------------
def complex_values(d):
    rng = np.random.default_rng(0)
    cube = (rng.random((12, 10, 6)) + 1j * rng.random((12, 10, 6))).astype(np.complex64)
    return plain(d, m.envi(d, "complex.dat", cube), qgis=True)


def int64_beyond_float32(d):
    cube = np.random.default_rng(0).integers(2 ** 30, 2 ** 40, (12, 10, 6))
    return plain(d, m.tif(d, "counts64.tif", cube, dtype="int64"), qgis=True)


def uint32_beyond_float32(d):
    cube = np.random.default_rng(0).integers(2 ** 25, 2 ** 31, (12, 10, 6)).astype(np.uint32)
    return plain(d, m.envi(d, "counts32.dat", cube))


def wrong_byte_order(d):
    cube = np.random.default_rng(0).random((12, 10, 6)).astype(np.float32)
    return plain(d, m.envi(d, "swapped.dat", cube, byte_order="1"), qgis=True)


def missing_byte_order(d):
    cube = np.random.default_rng(0).random((12, 10, 6)).astype(">f4")
    return plain(d, m.envi(d, "bigendian.dat", raw=np.ascontiguousarray(
        cube.transpose(2, 0, 1)).tobytes(), cube=cube.astype(np.float32), byte_order=None))


def undeclared_fill(d):
    cube = m.varied_cube(12, 10, 6)
    cube[:3] = -9999
    a = m.tif(d, "filled.tif", cube)
    out = d / "out.tif"
    return Setup(["detect", str(a), "-o", str(out), "--method", "rx"], str(a),
                 allowed=(str(out), str(d / "out.qml")))


# -- option values ---------------------------------------------------------------------------
def bands_duplicate(d):
    a = m.tif(d, "a.tif")
    return Setup(detect(a, d / "out.tif", "--bands", "1,2,2,3"), "--bands",
                 detect_in_qgis(a, d / "out.tif", BANDS=[1, 2, 2, 3]), processing_names=str(a))


def bands_zero(d):
    return plain(d, m.tif(d, "a.tif"), "out.tif", "--bands", "0,1")


def bands_beyond_file(d):
    return plain(d, m.tif(d, "a.tif"), "out.tif", "--bands", "1-50")


def bands_garbage(d):
    return plain(d, m.tif(d, "a.tif"), "out.tif", "--bands", "1-x", names="--bands")


def nodata_nan(d):
    return plain(d, m.tif(d, "a.tif"), "out.tif", "--nodata", "nan", names="--nodata")


def nodata_overflow(d):
    return plain(d, m.tif(d, "a.tif"), "out.tif", "--nodata", "1e999", names="--nodata")


def lrx_even_window(d):
    a = m.tif(d, "a.tif")
    return Setup(["detect", str(a), "-o", str(d / "out.tif"), "--method", "lrx", "--inner", "4",
                  "-q"], "--inner")


def lrx_inner_not_smaller(d):
    a = m.tif(d, "a.tif")
    return Setup(["detect", str(a), "-o", str(d / "out.tif"), "--method", "lrx", "--inner", "9",
                  "--outer", "9", "-q"], "inner window")


def lrx_outer_too_large(d):
    a = m.tif(d, "a.tif")
    return Setup(["detect", str(a), "-o", str(d / "out.tif"), "--method", "lrx", "--outer",
                  "1001", "-q"], "--outer")


def tile_size_zero(d):
    return plain(d, m.tif(d, "a.tif"), "out.tif", "--tile-size", "0", names="--tile-size")


def unknown_method(d):
    a = m.tif(d, "a.tif")
    return Setup(["detect", str(a), "-o", str(d / "out.tif"), "--method", "rxx"], "--method")


def workers_and_scheduler(d):
    folder = _batch_folder(d)
    return Setup(["batch", str(folder), "-o", str(d / "out"), "--method", "rx", "--workers", "2",
                  "--scheduler", "tcp://127.0.0.1:1", "-q"], "--workers")


def truth_for_several_scenes(d):
    a, b = m.tif(d, "a.tif"), m.tif(d, "b.tif")
    return Setup(["evaluate", str(a), str(b), "--truth", str(a), "--method", "rx", "-q"],
                 "--truth")


# -- plain mistakes --------------------------------------------------------------------------
def missing_file(d):
    return plain(d, d / "nowhere.bsq")


def folder_as_scene(d):
    (d / "flights").mkdir()
    return plain(d, d / "flights")


def header_as_scene(d):
    data = m.envi(d, "scene.dat")
    return plain(d, m.header(data))


def not_a_raster(d):
    path = d / "notes.tif"
    path.write_text("these are field notes, not pixels\n")
    return plain(d, path)


def broken_symlink(d):
    return plain(d, m.link(d / "gone.tif", str(d / "moved-away.tif")))


def symlink_loop(d):
    return plain(d, m.link(d / "loop.tif", str(d / "loop.tif")))


def batch_missing_folder(d):
    return Setup(["batch", str(d / "nowhere"), "-o", str(d / "out"), "--method", "rx", "-q"],
                 str(d / "nowhere"))


def batch_no_scene(d):
    (d / "in").mkdir()
    (d / "in" / "readme.txt").write_text("no scenes here\n")
    return Setup(["batch", str(d / "in"), "-o", str(d / "out"), "--method", "rx", "-q"],
                 str(d / "in"))


def info_truncated(d):
    data = m.envi(d, "cut.dat", data_bytes=100)
    return Setup(["info", str(data)], str(data))


def evaluate_without_truth(d):
    a = m.tif(d, "a.tif")
    return Setup(["evaluate", str(a), "--method", "rx", "-q"], str(a))


def truth_wrong_size(d):
    a = m.tif(d, "a.tif")
    truth = m.tif(d, "truth.tif", np.ones((5, 5, 1), np.float32))
    return Setup(["evaluate", str(a), "--truth", str(truth), "--method", "rx", "-q"], str(truth))


def truth_empty(d):
    a = m.tif(d, "a.tif")
    truth = m.tif(d, "truth.tif", np.zeros((12, 10, 1), np.float32))
    return Setup(["evaluate", str(a), "--truth", str(truth), "--method", "rx", "-q"], str(truth))


# -- names -----------------------------------------------------------------------------------
def output_name_too_long(d):
    a = m.tif(d, "a.tif")
    out = d / ("s" * 300 + ".tif")
    return Setup(detect(a, out), str(out))


def output_name_long_but_legal(d):
    a = m.tif(d, "a.tif")
    out = d / ("s" * 240 + ".tif")
    return Setup(detect(a, out), str(out), allowed=(str(out), str(out.with_suffix(".qml"))))


def undecodable_name(d):
    return plain(d, Path(os.fsdecode(bytes(d) + b"/sc\xe8ne.tif")), names="ne.tif")


def batch_output_named_like_scene(d):
    folder = _batch_folder(d, ("a.tif",))
    m.envi(folder, "a.bsq")
    m.tif(folder, "a.tif_rx.tif", m.varied_cube(seed=4))  # a user's cube named like an output
    return Setup(["batch", str(folder), "-o", str(folder), "--method", "rx", "-q"],
                 str(folder / "a.tif_rx.tif"))


# -- leftovers -------------------------------------------------------------------------------
def cut_tif_into_new_folders(d):
    scene = m.cut_tif(d, "cut.tif")
    return Setup(detect(scene, d / "new" / "deep" / "out.tif", "--tile-size", "64"), str(scene))


def late_precision_failure(d):
    cube = np.random.default_rng(0).integers(0, 1000, (600, 20, 6)).astype(np.int32)
    cube[301] = 2 ** 30  # a row the open-time sample does not read
    scene = m.tif(d, "late.tif", cube, dtype="int32")
    return Setup(detect(scene, d / "new" / "out.tif", "--tile-size", "32"), str(scene))


CASES = [
    Case("json-onto-scene", "data-loss", "detect --json naming the input scene", json_onto_scene,
         "is an input file"),
    Case("json-onto-scene-info", "data-loss", "info --json naming the scene", json_onto_scene_info,
         "is an input file", subprocess=True),
    Case("json-onto-header", "data-loss", "info --json naming the scene's ENVI header",
         json_onto_header_info, "is an input file"),
    Case("json-onto-user-file", "data-loss", "--json naming an existing file, no --overwrite",
         json_onto_user_file, "already exists"),
    Case("json-onto-scene-evaluate", "data-loss", "evaluate --json naming the scene",
         json_onto_scene_evaluate, "is an input file"),
    Case("json-onto-scene-batch", "data-loss", "batch --json naming a scene of the batch",
         json_onto_scene_batch, "is an input file"),
    Case("output-is-scene", "data-loss", "-o naming the input, with --overwrite", output_is_scene,
         "is an input file", subprocess=True),
    Case("output-hard-link", "data-loss", "-o a hard link to the input, with --overwrite",
         output_hard_link, "is an input file"),
    Case("output-symlink", "data-loss", "-o a symbolic link to the input, with --overwrite",
         output_symlink, "is an input file"),
    Case("output-header-is-scene-header", "data-loss",
         "ENVI output whose .hdr is the input's header", output_header_is_scene_header,
         "would replace the input file"),
    Case("output-header-of-other-dataset", "data-loss",
         "ENVI output whose .hdr belongs to an unrelated dataset", output_header_of_other_dataset,
         "is the header of"),
    Case("existing-style", "data-loss", "a user's <stem>.qml beside the output, no --overwrite",
         existing_style, "already exists and would be replaced"),
    Case("existing-output", "data-loss", "an existing output, no --overwrite", existing_output,
         "already exists"),
    Case("output-is-folder", "data-loss", "-o naming a folder", output_is_folder, "is a folder"),
    Case("output-under-a-file", "data-loss", "-o inside a path that is a file",
         output_under_a_file, "cannot create the output folder"),
    Case("output-unsupported", "data-loss", "-o with an extension hsad cannot write",
         output_unsupported, "unsupported output format"),
    Case("output-onto-fifo", "data-loss", "-o naming a FIFO, with --overwrite", output_onto_fifo,
         "is a FIFO"),
    Case("json-onto-fifo", "data-loss", "--json naming a FIFO, with --overwrite", json_onto_fifo,
         "is a FIFO"),
    Case("batch-output-is-input", "data-loss",
         "batch into its own folder, where a_rx.tif is an input cube", batch_output_is_input,
         "is a scene of this batch"),
    Case("batch-foreign-output", "data-loss",
         "batch --overwrite where a non-hsad file has an output's name", batch_foreign_output,
         "left as it is", exit_code=1),
    Case("batch-corrupt-scene", "data-loss", "a corrupt .tif among a batch's scenes",
         batch_corrupt_scene, "bad.tif: failed", exit_code=1),
    Case("batch-user-summary", "data-loss", "a user's summary.csv in the output folder",
         batch_user_summary, "is not an hsad batch summary"),
    Case("batch-json-user-file", "data-loss", "batch --json naming a user's file",
         batch_json_user_file, "already exists"),
    Case("envi-truncated", "declared-vs-held", "ENVI data shorter than its header says",
         envi_truncated, "data file is truncated"),
    Case("envi-huge-dimensions", "declared-vs-held", "ENVI header declaring 10^6 x 10^6 x 1000",
         envi_huge_dimensions, "Image file is too small", subprocess=True),
    Case("envi-offset-past-end", "declared-vs-held", "ENVI header offset beyond the file",
         envi_offset_past_end, "data file is truncated"),
    Case("envi-zero-bands", "declared-vs-held", "ENVI header with bands = 0", envi_zero_bands,
         "zero bands"),
    Case("envi-zero-lines", "declared-vs-held", "ENVI header with lines = 0", envi_zero_lines,
         "zero rows or columns"),
    Case("envi-garbage-size", "declared-vs-held", "ENVI header with samples = many",
         envi_garbage_size, "samples = 'many' is not a whole number"),
    Case("envi-unknown-type", "declared-vs-held", "ENVI header with data type = 99",
         envi_unknown_type, "GDAL cannot read the scene"),
    Case("envi-wavelength-count", "declared-vs-held", "3 wavelengths for 6 bands",
         envi_wavelength_count, "lists 3 wavelengths but has 6 bands"),
    Case("envi-bbl-count", "declared-vs-held", "a bad-band list of 2 entries for 6 bands",
         envi_bbl_count, "bad band list has 2 entries"),
    Case("tiff-sparse-huge", "declared-vs-held",
         "a GeoTIFF declaring 10^6 x 10^6 x 100 in a few KB", tiff_sparse_huge, "declares",
         subprocess=True),
    Case("mat-forged-dims", "declared-vs-held",
         "a MATLAB v5 array header declaring 100000 x 100000 x 200", mat_forged_dims, "declares",
         subprocess=True),
    Case("mat-v73-unwritten", "declared-vs-held",
         "a MATLAB v7.3 dataset of 4000 x 4000 x 200 never written", mat_v73_unwritten,
         "declares"),
    Case("mat-not-matlab", "declared-vs-held", "a text file named .mat", mat_not_matlab,
         "not a readable MATLAB file"),
    Case("prisma-not-hdf5", "declared-vs-held", "a PRISMA-named .he5 that is not HDF5",
         prisma_not_hdf5, "not a readable PRISMA product"),
    Case("enmap-xml-bomb", "declared-vs-held", "an EnMAP METADATA.XML with nested entities",
         enmap_xml_bomb, "not a readable EnMAP metadata file"),
    Case("bands-huge-range", "resource", "--bands 1-2000000000", bands_huge_range,
         "more bands than any file holds", subprocess=True),
    Case("workers-huge", "resource", "batch --workers 100000", workers_huge, "is more than"),
    Case("tile-size-huge", "resource", "--tile-size 1000000000", tile_size_huge,
         "above the maximum"),
    Case("lrx-many-bands", "resource", "local RX on 2000 bands (a covariance per column)",
         lrx_many_bands, "of memory"),
    Case("fifo-scene", "never-ends", "a FIFO named a.tif", fifo_scene, "is a FIFO",
         subprocess=True),
    Case("dev-zero-scene", "never-ends", "an ENVI data file linked to /dev/zero", dev_zero_scene,
         "is a character device"),
    Case("fifo-header", "never-ends", "an ENVI header that is a FIFO", fifo_header,
         "its side-car"),
    Case("fifo-truth", "never-ends", "evaluate --truth naming a FIFO", fifo_truth, "is a FIFO"),
    Case("fifo-mat", "never-ends", "a FIFO named a.mat", fifo_mat, "is a FIFO"),
    Case("dev-zero-truth-mat", "never-ends", "evaluate --truth truth.mat linked to /dev/zero",
         dev_zero_truth_mat, "is a character device"),
    Case("fifo-in-batch", "never-ends", "a FIFO named stream.tif among a batch's scenes",
         fifo_in_batch, "stream.tif: failed", exit_code=1),
    Case("fifo-no-extension-in-batch", "never-ends",
         "a FIFO without extension in a batch folder", fifo_no_extension_in_batch,
         "stream: failed", exit_code=1),
    Case("mat-two-cubes", "ambiguous", "a MATLAB file with two cubes", mat_two_cubes,
         "holds 2 cubes of similar size"),
    Case("mat-two-pixel-matrices", "ambiguous",
         "a MATLAB unmixing file with two (bands, pixels) matrices", mat_two_pixel_matrices,
         "holds 2 cubes of similar size"),
    Case("mat-two-truths", "ambiguous", "a MATLAB file with two ground truths that disagree",
         mat_two_truths, "several ground-truth maps that disagree"),
    Case("hdf5-two-cubes", "ambiguous", "an HDF5 file holding two cubes", hdf5_two_cubes,
         "holds 2 datasets"),
    Case("wavelength-units-unknown", "ambiguous", "wavelength units = Furlongs",
         wavelength_units_unknown, "unknown wavelength units"),
    Case("wavelength-units-mixed", "ambiguous", "GeoTIFF bands in nm and in micrometres",
         wavelength_units_mixed, "different wavelength units"),
    Case("one-pixel", "degenerate", "a 1 x 1 scene", one_pixel, "has no variation"),
    Case("constant-scene", "degenerate", "the same spectrum everywhere", constant_scene,
         "has no variation"),
    Case("constant-large-scene", "degenerate", "80 rows of one spectrum (beyond the sample)",
         constant_large_scene, "has no variation"),
    Case("fewer-pixels-than-bands", "degenerate", "3 x 3 pixels of 20 bands",
         fewer_pixels_than_bands, "9 pixels for 20 bands"),
    Case("one-valid-pixel", "degenerate", "one valid pixel among nodata", one_valid_pixel,
         "has no variation"),
    Case("few-valid-pixels", "degenerate", "4 valid pixels for 6 bands", few_valid_pixels,
         "4 valid pixels for 6 bands"),
    Case("all-zero-scene", "degenerate", "every spectrum zero (fill)", all_zero_scene,
         "every pixel is nodata"),
    Case("all-nodata-scene", "degenerate", "every pixel the declared nodata", all_nodata_scene,
         "every pixel is nodata"),
    Case("one-band", "degenerate", "a single-band raster", one_band,
         "needs at least 2"),
    Case("complex-values", "mangled", "complex64 ENVI data", complex_values,
         "complex values"),
    Case("int64-beyond-float32", "mangled", "int64 counts above 2^24", int64_beyond_float32,
         "beyond the 16777216 float32 keeps exact"),
    Case("uint32-beyond-float32", "mangled", "uint32 counts above 2^24", uint32_beyond_float32,
         "beyond the 16777216 float32 keeps exact"),
    Case("wrong-byte-order", "mangled", "little-endian floats under byte order = 1",
         wrong_byte_order, "wrong byte order"),
    Case("missing-byte-order", "mangled", "big-endian floats, no byte order in the header",
         missing_byte_order, "gives no byte order"),
    Case("undeclared-fill", "mangled", "a -9999 border the file does not declare",
         undeclared_fill, "run again with --nodata -9999", exit_code=0),
    Case("bands-duplicate", "options", "--bands 1,2,2,3", bands_duplicate, "listed twice"),
    Case("bands-zero", "options", "--bands 0,1", bands_zero, "do not exist"),
    Case("bands-beyond-file", "options", "--bands 1-50 on 6 bands", bands_beyond_file,
         "do not exist"),
    Case("bands-garbage", "options", "--bands 1-x", bands_garbage, "not a band number"),
    Case("nodata-nan", "options", "--nodata nan", nodata_nan, "not a finite number"),
    Case("nodata-overflow", "options", "--nodata 1e999", nodata_overflow, "not a finite number"),
    Case("lrx-even-window", "options", "--inner 4", lrx_even_window, "must be odd"),
    Case("lrx-inner-not-smaller", "options", "--inner 9 --outer 9", lrx_inner_not_smaller,
         "must be smaller"),
    Case("lrx-outer-too-large", "options", "--outer 1001", lrx_outer_too_large,
         "above the maximum"),
    Case("tile-size-zero", "options", "--tile-size 0", tile_size_zero, "not at least 1"),
    Case("unknown-method", "options", "--method rxx", unknown_method, "invalid choice"),
    Case("workers-and-scheduler", "options", "batch --workers with --scheduler",
         workers_and_scheduler, "sets the size of a local cluster"),
    Case("truth-for-several-scenes", "options", "evaluate two scenes with one --truth",
         truth_for_several_scenes, "applies to one SCENE"),
    Case("missing-file", "messages", "a scene that does not exist", missing_file,
         "file not found", subprocess=True),
    Case("folder-as-scene", "messages", "a folder given as the scene", folder_as_scene,
         "is a folder"),
    Case("header-as-scene", "messages", "the ENVI .hdr given as the scene", header_as_scene,
         "is an ENVI header"),
    Case("not-a-raster", "messages", "a text file named .tif", not_a_raster,
         "not a raster GDAL can read", subprocess=True),
    Case("broken-symlink", "messages", "a symbolic link to a moved file", broken_symlink,
         "broken or looping symbolic link"),
    Case("symlink-loop", "messages", "a symbolic link to itself", symlink_loop,
         "broken or looping symbolic link"),
    Case("batch-missing-folder", "messages", "batch of a folder that does not exist",
         batch_missing_folder, "folder not found"),
    Case("batch-no-scene", "messages", "batch of a folder without scenes", batch_no_scene,
         "no file matches"),
    Case("info-truncated", "messages", "info on a truncated ENVI file", info_truncated,
         "data file is truncated"),
    Case("evaluate-without-truth", "messages", "evaluate a raster without --truth",
         evaluate_without_truth, "give its ground truth"),
    Case("truth-wrong-size", "messages", "a ground truth of another size", truth_wrong_size,
         "ground truth is 5 x 5 pixels"),
    Case("truth-empty", "messages", "a ground truth without anomalies", truth_empty,
         "marks no anomaly"),
    Case("output-name-too-long", "names", "an output name of 304 bytes", output_name_too_long,
         "file systems allow 255"),
    Case("output-name-long-but-legal", "names",
         "an output name of 244 bytes (its temporary name would be longer)",
         output_name_long_but_legal, "", exit_code=0),
    Case("undecodable-name", "names", "a scene name that is not UTF-8", undecodable_name,
         "file not found", subprocess=True),
    Case("batch-output-named-like-scene", "names",
         "a.tif and a.bsq beside a user's cube a.tif_rx.tif, batch into the same folder",
         batch_output_named_like_scene, "is a scene of this batch"),
    Case("cut-tif-into-new-folders", "leftovers",
         "a GeoTIFF whose blocks stop decoding mid-scene, output in new folders",
         cut_tif_into_new_folders, "failed"),
    Case("late-precision-failure", "leftovers",
         "int32 counts beyond float32 in a row the open-time sample skips",
         late_precision_failure, "beyond the 16777216 float32 keeps exact"),
]

# The share also run through QGIS's processing.run (test_corpus_processing.py): every case
# whose Setup carries a Processing run, across the categories where QGIS users meet them.
PROCESSING_SHARE = (
    "output-hard-link", "output-header-is-scene-header", "output-header-of-other-dataset",
    "output-onto-fifo", "batch-output-is-input", "envi-truncated", "lrx-many-bands",
    "one-pixel", "constant-scene", "few-valid-pixels", "complex-values", "int64-beyond-float32",
    "wrong-byte-order", "bands-duplicate")

import corpus_writing  # noqa: E402  the writing half (issue 22); it imports this module
CASES += corpus_writing.CASES; PROCESSING_SHARE += corpus_writing.PROCESSING_SHARE  # noqa: E702
from corpus_reading import READING_CASES, READING_CATEGORIES, READING_PROCESSING_SHARE  # noqa: E402,I001
CATEGORIES.update(READING_CATEGORIES); CASES += READING_CASES; PROCESSING_SHARE += READING_PROCESSING_SHARE  # noqa: E702,E501
