"""The reading side of the corpus (issue 22): what may be opened, what a file may reach, what it
can hold, and values a reader would get silently wrong.

Each kind is closed by one rule (docs/reliability.md names them); the cases below try it the
way a careful attacker and a careless user would; the value cases are in corpus_values.py.
corpus.py appends them all to its own table (import corpus first: it imports this module).
"""
from __future__ import annotations

from pathlib import Path

import makers as m
import makers_reading as r
from corpus import Case, Setup, detect, plain
from corpus_values import VALUE_CASES

READING_CATEGORIES = {
    "reaches-elsewhere": "Inputs that reach other files or servers",
    "silent-wrong": "Inputs that would give silently wrong scores",
}


def _fifo_beside(d: Path, scene: Path, side: str) -> Path:
    m.fifo(d / side)
    return scene


def _batch(d: Path, folder: Path, names: str, outputs=("good",)) -> Setup:
    out = d / "out"
    allowed = [str(out), str(out / "summary.csv"), str(out / "summary.json")]
    for stem in outputs:
        allowed += [str(out / f"{stem}_rx.tif"), str(out / f"{stem}_rx.qml")]
    return Setup(["batch", str(folder), "-o", str(out), "--method", "rx", "-q"], names,
                 allowed=tuple(allowed))


# -- side-cars and sources that never end ------------------------------------------------------
def fifo_header_upper_case(d):
    data = m.envi(d, "a.dat")
    m.header(data).unlink()
    m.fifo(d / "a.HDR")
    return plain(d, data, qgis=True)


def fifo_world_file(d):
    return plain(d, _fifo_beside(d, m.tif(d, "a.tif"), "a.tfw"))


def fifo_wld(d):
    return plain(d, _fifo_beside(d, m.tif(d, "a.tif"), "a.wld"))


def fifo_aux(d):
    return plain(d, _fifo_beside(d, m.tif(d, "a.tif"), "a.aux"), qgis=True)


def fifo_aux_xml(d):
    return plain(d, _fifo_beside(d, m.tif(d, "a.tif"), "a.tif.aux.xml"))


def fifo_ehdr_prj(d):
    data = m.envi(d, "a.bil")
    m.header(data).write_text("nrows 12\nncols 10\nnbands 6\nnbits 32\npixeltype float\n"
                              "byteorder I\nlayout bsq\n")
    return plain(d, _fifo_beside(d, data, "a.prj"))


def fifo_msk(d):
    return plain(d, _fifo_beside(d, m.tif(d, "a.tif"), "a.tif.msk"))


def fifo_ovr(d):
    return plain(d, _fifo_beside(d, m.tif(d, "a.tif"), "a.TIF.OVR"))


def fifo_rpc_txt(d):
    return plain(d, _fifo_beside(d, m.tif(d, "a.tif"), "a_rpc.txt"))


def fifo_vrt_source(d):
    names = r.one_band_tifs(d, "band", 2)
    m.fifo(d / "band2.tif")
    return plain(d, r.vrt(d, "stack.vrt", names + ["band2.tif"]), qgis=True)


def fifo_beside_vrt_source(d):
    names = r.one_band_tifs(d, "band", 3)
    m.fifo(d / "band1.tif.aux.xml")
    return plain(d, r.vrt(d, "stack.vrt", names))


def fifo_hdf5_external_storage(d):
    m.fifo(d / "stream.raw")
    return plain(d, r.h5_external_storage(d, "ext.mat", "stream.raw"))


def fifo_side_car_in_batch(d):
    folder = d / "in"
    folder.mkdir()
    m.tif(folder, "good.tif")
    m.tif(folder, "bad.tif", m.varied_cube(seed=3))
    m.fifo(folder / "bad.aux")
    return _batch(d, folder, "bad.aux")


# -- inputs that reach elsewhere ---------------------------------------------------------------
def vrt_system_file(d):
    return plain(d, r.vrt(d, "etc.vrt", ["/etc/passwd"], raw=True, relative=False))


def vrt_device(d):
    return plain(d, r.vrt(d, "zero.vrt", ["/dev/zero"], raw=True, relative=False), qgis=True)


def vrt_url(d):
    return plain(d, r.vrt(d, "web.vrt", ["/vsicurl/http://127.0.0.1:9/scene.tif"]))


def vrt_plain_url(d):
    return plain(d, r.vrt(d, "web.vrt", ["https://example.invalid/scene.tif"], relative=False))


def vrt_subdataset(d):
    path = r.h5_cube(d, "c.h5", m.varied_cube().transpose(2, 0, 1))
    return plain(d, r.vrt(d, "sub.vrt", [f'HDF5:"{path}"://cube']))


def vrt_parent_folder(d):
    (d / "other").mkdir()
    m.tif(d / "other", "x.tif", m.varied_cube(12, 10, 1))
    (d / "vrts").mkdir()
    return plain(d, r.vrt(d / "vrts", "up.vrt", ["../other/x.tif"]))


def vrt_link_out_of_folder(d):
    (d / "other").mkdir()
    m.tif(d / "other", "x.tif", m.varied_cube(12, 10, 1))
    (d / "vrts").mkdir()
    m.link(d / "vrts" / "x.tif", str(d / "other" / "x.tif"))
    return plain(d, r.vrt(d / "vrts", "in.vrt", ["x.tif"]))


def vrt_wms_source(d):
    r.wms_description(d / "tiles.tif")
    return plain(d, r.vrt(d, "map.vrt", ["tiles.tif"]))


def wms_named_tif(d):
    return plain(d, r.wms_description(d / "scene.tif"), qgis=True)


def mat_external_link(d):
    return plain(d, r.h5_external_link(d, "linked.mat", d / "elsewhere" / "secret.h5"),
                 qgis=True)


def h5_virtual_elsewhere(d):
    return plain(d, r.h5_virtual(d, "virtual.h5", d / "elsewhere" / "cube.h5"))


def vrt_named_tif_with_declaration(d):
    path = d / "x.tif"
    path.write_text('<?xml version="1.0"?>\n<!-- made elsewhere -->\n<VRTDataset rasterXSize="10" '
                    'rasterYSize="12"><VRTRasterBand dataType="Float32" band="1" '
                    'subClass="VRTRawRasterBand"><SourceFilename relativeToVRT="0">/dev/zero'
                    '</SourceFilename></VRTRasterBand></VRTDataset>\n')
    return plain(d, path)


def ogr_vrt_area_reaching_out(d):
    area = d / "area.vrt"
    area.write_text('<OGRVRTDataSource><OGRVRTLayer name="passwd"><SrcDataSource>/etc/passwd'
                    '</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>\n')
    a = m.tif(d, "a.tif")
    return Setup(detect(a, d / "out.tif", "--aoi", area), str(area))


def ers_data_file_device(d):
    return plain(d, r.ers(d, "scene.ers", data_file="/dev/zero"))


def vrt_in_batch_reaching_out(d):
    folder = d / "in"
    folder.mkdir()
    m.tif(folder, "good.tif")
    r.vrt(folder, "etc.vrt", ["/etc/passwd"], raw=True, relative=False)
    return _batch(d, folder, "etc.vrt")


# -- declared sizes no file holds --------------------------------------------------------------
def zstd_zeros_huge(d):
    return plain(d, r.compressed_zeros_tif(d, "zeros.tif", "ZSTD", 60000, 60000, 20),
                 qgis=True)


def lzma_zeros_huge(d):
    return plain(d, r.compressed_zeros_tif(d, "zeros.tif", "LZMA", 30000, 30000, 20))


def empty_vrt_huge(d):
    return plain(d, r.empty_vrt(d, "empty.vrt", 1000000, 1000000, 100), qgis=True)


def vrt_gzip_bomb(d):
    r.gzip_bomb(d, "bomb.gz")
    return plain(d, r.vrt(d, "bomb.vrt", ["/vsigzip/bomb.gz"], rows=4096, cols=4096,
                          raw=True))


def sparse_envi_terabyte(d):
    return plain(d, m.sparse_envi(d, "sparse.dat", 100000, 100000, 25))


def prisma_huge_unwritten(d):
    return plain(d, r.prisma_declared(d, "PRS_L2D_STD_20230101000000_20230101000005_0001.he5",
                                      20000, 20000))


def h5_huge_unwritten(d):
    return plain(d, r.h5_declared(d, "huge.h5", (200, 100000, 100000)))


READING_CASES = [
    Case("fifo-header-upper-case", "never-ends", "an ENVI header a.HDR that is a FIFO",
         fifo_header_upper_case, "is a FIFO", subprocess=True),
    Case("fifo-world-file", "never-ends", "a GeoTIFF's .tfw world file is a FIFO",
         fifo_world_file, "is a FIFO"),
    Case("fifo-wld", "never-ends", "a GeoTIFF's .wld world file is a FIFO", fifo_wld,
         "is a FIFO"),
    Case("fifo-aux", "never-ends", "a GeoTIFF's .aux side-car is a FIFO", fifo_aux,
         "is a FIFO", subprocess=True),
    Case("fifo-aux-xml", "never-ends", "a GeoTIFF's .tif.aux.xml is a FIFO", fifo_aux_xml,
         "is a FIFO"),
    Case("fifo-ehdr-prj", "never-ends", "an EHdr .bil whose .prj is a FIFO", fifo_ehdr_prj,
         "is a FIFO"),
    Case("fifo-msk", "never-ends", "a GeoTIFF's .tif.msk mask is a FIFO", fifo_msk,
         "is a FIFO"),
    Case("fifo-ovr", "never-ends", "a GeoTIFF's overviews a.TIF.OVR are a FIFO", fifo_ovr,
         "is a FIFO"),
    Case("fifo-rpc-txt", "never-ends", "a GeoTIFF's _rpc.txt is a FIFO", fifo_rpc_txt,
         "is a FIFO"),
    Case("fifo-vrt-source", "never-ends", "a VRT whose third source is a FIFO",
         fifo_vrt_source, "is a FIFO", subprocess=True),
    Case("fifo-beside-vrt-source", "never-ends", "a VRT source's .aux.xml is a FIFO",
         fifo_beside_vrt_source, "is a FIFO"),
    Case("fifo-hdf5-external-storage", "never-ends",
         "a MATLAB v7.3 cube stored in an external file that is a FIFO",
         fifo_hdf5_external_storage, "is stored in", subprocess=True),
    Case("fifo-side-car-in-batch", "never-ends", "a batch scene whose .aux is a FIFO",
         fifo_side_car_in_batch, "is a FIFO", exit_code=1),
    Case("vrt-system-file", "reaches-elsewhere", "a VRT reading /etc/passwd as raw pixels",
         vrt_system_file, "outside the VRT's folder"),
    Case("vrt-device", "reaches-elsewhere", "a VRT reading /dev/zero", vrt_device,
         "is a character device", subprocess=True),
    Case("vrt-url", "reaches-elsewhere", "a VRT source /vsicurl/http://...", vrt_url,
         "not a file on this machine"),
    Case("vrt-plain-url", "reaches-elsewhere", "a VRT source https://...", vrt_plain_url,
         "not a file on this machine"),
    Case("vrt-subdataset", "reaches-elsewhere", "a VRT source HDF5:\"file\"://cube",
         vrt_subdataset, "not a file on this machine"),
    Case("vrt-parent-folder", "reaches-elsewhere", "a VRT source ../other/x.tif",
         vrt_parent_folder, "outside the VRT's folder"),
    Case("vrt-link-out-of-folder", "reaches-elsewhere",
         "a VRT source that is a link to a file outside the VRT's folder",
         vrt_link_out_of_folder, "outside the VRT's folder"),
    Case("vrt-wms-source", "reaches-elsewhere", "a VRT source that is a WMS description",
         vrt_wms_source, "not a raster file hsad reads"),
    Case("wms-named-tif", "reaches-elsewhere", "a WMS service description named scene.tif",
         wms_named_tif, "is a WMS dataset"),
    Case("mat-external-link", "reaches-elsewhere",
         "a MATLAB v7.3 cube that is an external link to another folder's HDF5 file",
         mat_external_link, "links to", subprocess=True),
    Case("h5-virtual-elsewhere", "reaches-elsewhere",
         "an HDF5 virtual dataset drawing on another file", h5_virtual_elsewhere, "draws on"),
    Case("vrt-named-tif-with-declaration", "reaches-elsewhere",
         "a VRT reading /dev/zero, named x.tif, opening with an XML declaration",
         vrt_named_tif_with_declaration, "is a character device"),
    Case("ogr-vrt-area-reaching-out", "reaches-elsewhere",
         "--aoi an OGR VRT whose layer is /etc/passwd", ogr_vrt_area_reaching_out,
         "outside the VRT's folder"),
    Case("ers-data-file-device", "reaches-elsewhere",
         "an ER Mapper header whose DataFile is /dev/zero", ers_data_file_device,
         "is a character device"),
    Case("vrt-in-batch-reaching-out", "reaches-elsewhere",
         "a VRT reading /etc/passwd among a batch's scenes", vrt_in_batch_reaching_out,
         "outside the VRT's folder", exit_code=1),
    Case("zstd-zeros-huge", "resource",
         "a ZSTD GeoTIFF of zeros declaring 60000 x 60000 x 20 (268 GB)", zstd_zeros_huge,
         "on disk", subprocess=True),
    Case("lzma-zeros-huge", "resource", "an LZMA GeoTIFF of zeros declaring 30000 x 30000 x 20",
         lzma_zeros_huge, "on disk"),
    Case("empty-vrt-huge", "resource", "a VRT without sources declaring 10^6 x 10^6 x 100",
         empty_vrt_huge, "on disk"),
    Case("vrt-gzip-bomb", "resource", "a VRT over a gzip bomb (/vsigzip/)", vrt_gzip_bomb,
         "not a file on this machine"),
    Case("sparse-envi-terabyte", "resource", "a 1 TB sparse ENVI file (holes only)",
         sparse_envi_terabyte, "on disk", subprocess=True),
    Case("prisma-huge-unwritten", "resource",
         "a PRISMA file of a few KB declaring 20000 x 20000 x 239 cubes",
         prisma_huge_unwritten, "declares its VNIR and SWIR cubes", subprocess=True),
    Case("h5-huge-unwritten", "resource", "an HDF5 cube declaring 200 x 10^5 x 10^5, unwritten",
         h5_huge_unwritten, "on disk"),
] + VALUE_CASES

# The share run through processing.run as well (each case's Setup carries its Processing run).
READING_PROCESSING_SHARE = (
    "fifo-header-upper-case", "fifo-aux", "fifo-vrt-source", "vrt-device", "wms-named-tif",
    "mat-external-link", "zstd-zeros-huge", "empty-vrt-huge", "envi-duplicate-lines",
    "float64-beyond-float32", "mask-hides-everything", "micrometres-labelled-nanometers")
