"""File makers for the reading side of the corpus: files that reach elsewhere, side-cars that
never end, containers declaring more than they hold, values a reader would get silently wrong.

Everything is made by code in the case's folder (nothing committed); huge declared sizes are
declared, never written.
"""
from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Optional

import numpy as np

import makers as m


def vrt(folder: Path, name: str, sources: list, rows: int = 12, cols: int = 10,
        raw: bool = False, relative: bool = True, extra_band: str = "") -> Path:
    """A VRT of float32 bands, one per source: ``SimpleSource``s, or ``VRTRawRasterBand``s
    (``raw``) reading the named files as raw float32."""
    bands = []
    for number, source in enumerate(sources, start=1):
        rel = "1" if relative else "0"
        if raw:
            bands.append(f'<VRTRasterBand dataType="Float32" band="{number}" '
                         f'subClass="VRTRawRasterBand"><SourceFilename relativeToVRT="{rel}">'
                         f'{source}</SourceFilename><ImageOffset>0</ImageOffset><PixelOffset>4'
                         f'</PixelOffset><LineOffset>{4 * cols}</LineOffset></VRTRasterBand>')
        else:
            bands.append(f'<VRTRasterBand dataType="Float32" band="{number}"><SimpleSource>'
                         f'<SourceFilename relativeToVRT="{rel}">{source}</SourceFilename>'
                         f'<SourceBand>1</SourceBand></SimpleSource></VRTRasterBand>')
    path = folder / name
    path.write_text(f'<VRTDataset rasterXSize="{cols}" rasterYSize="{rows}">'
                    + "".join(bands) + extra_band + "</VRTDataset>\n")
    return path


def one_band_tifs(folder: Path, stem: str, count: int = 3) -> list:
    """``count`` single-band GeoTIFFs (what a VRT stacks into a cube)."""
    cube = m.varied_cube(12, 10, count)
    return [m.tif(folder, f"{stem}{k}.tif", cube[:, :, k:k + 1]).name for k in range(count)]


def empty_vrt(folder: Path, name: str, rows: int, cols: int, bands: int) -> Path:
    """A VRT declaring a huge raster with no source at all (every pixel would read as 0)."""
    body = "".join(f'<VRTRasterBand dataType="Float32" band="{b + 1}"/>' for b in range(bands))
    path = folder / name
    path.write_text(f'<VRTDataset rasterXSize="{cols}" rasterYSize="{rows}">{body}'
                    "</VRTDataset>\n")
    return path


def gzip_bomb(folder: Path, name: str, megabytes: int = 64) -> Path:
    """A small .gz of zeros that inflates a thousandfold."""
    path = folder / name
    with gzip.open(path, "wb", compresslevel=9) as handle:
        block = bytes(1 << 20)
        for _ in range(megabytes):
            handle.write(block)
    return path


def compressed_zeros_tif(folder: Path, name: str, compress: str, rows: int, cols: int,
                         bands: int, block: int = 1024) -> Path:
    """A tiled GeoTIFF of zeros in ``compress`` (ZSTD, LZMA...) declaring a huge raster: GDAL
    writes every tile, each a few bytes, so the file is small and dense (not sparse)."""
    from osgeo import gdal
    gdal.UseExceptions()
    path = folder / name
    ds = gdal.GetDriverByName("GTiff").Create(
        str(path), cols, rows, bands, gdal.GDT_Float32,
        options=[f"COMPRESS={compress}", "TILED=YES", f"BLOCKXSIZE={block}",
                 f"BLOCKYSIZE={block}", "BIGTIFF=YES", "INTERLEAVE=PIXEL"])
    ds = None
    return path


def ers(folder: Path, name: str, data_file: Optional[str] = None) -> Path:
    """An ER Mapper header written by GDAL beside its data; ``data_file`` makes the header name
    another data file (``DataFile = "..."``)."""
    from osgeo import gdal
    gdal.UseExceptions()
    path = folder / name
    cube = m.varied_cube()
    ds = gdal.GetDriverByName("ERS").Create(str(path), 10, 12, 6, gdal.GDT_Float32)
    ds.WriteRaster(0, 0, 10, 12, np.ascontiguousarray(cube.transpose(2, 0, 1)).tobytes())
    ds = None
    if data_file:
        text = path.read_text()
        path.write_text(text.replace("DatasetHeader Begin",
                                     f'DatasetHeader Begin\n\tDataFile\t= "{data_file}"', 1))
    return path


def envi_header_text(data: Path, replace: dict, add: str = "") -> None:
    """Edit the ENVI header of ``data``: ``replace`` maps old text to new."""
    header = m.header(data)
    text = header.read_text()
    for old, new in replace.items():
        text = text.replace(old, new)
    header.write_text(text + add)


def h5_cube(folder: Path, name: str, cube: np.ndarray, attrs: Optional[dict] = None) -> Path:
    """A generic HDF5 file holding one 3-D dataset stored as given."""
    import h5py
    path = folder / name
    with h5py.File(path, "w") as handle:
        data = handle.create_dataset("cube", data=cube)
        for key, value in (attrs or {}).items():
            data.attrs[key] = value
    return path


def h5_declared(folder: Path, name: str, shape: tuple) -> Path:
    """A generic HDF5 file whose one dataset declares ``shape`` and was never written."""
    import h5py
    path = folder / name
    with h5py.File(path, "w") as handle:
        handle.create_dataset("cube", shape=shape, dtype="f4", chunks=(1, 64, 64))
    return path


def h5_external_link(folder: Path, name: str, target: Path) -> Path:
    """A MATLAB v7.3 file whose cube is an external link to another HDF5 file."""
    import h5py
    target.parent.mkdir(exist_ok=True)
    with h5py.File(target, "w") as handle:
        handle.create_dataset("data", data=m.varied_cube().T)
    path = m.mat_v73(folder, name, {"map": np.zeros((12, 10))})
    with h5py.File(path, "r+") as handle:
        handle["data"] = h5py.ExternalLink(str(target), "/data")
    return path


def h5_external_storage(folder: Path, name: str, raw_file: str) -> Path:
    """A MATLAB v7.3 file whose cube is stored in an external raw file (``raw_file``)."""
    import h5py
    path = m.mat_v73(folder, name, {"map": np.zeros((12, 10))})
    with h5py.File(path, "r+") as handle:
        handle.create_dataset("data", shape=(6, 10, 12), dtype="f4",
                              external=[(raw_file, 0, h5py.h5f.UNLIMITED)])
    return path


def h5_virtual(folder: Path, name: str, source: Path) -> Path:
    """A generic HDF5 file whose cube is a virtual dataset drawing on another file."""
    import h5py
    source.parent.mkdir(exist_ok=True)
    with h5py.File(source, "w") as handle:
        handle.create_dataset("cube", data=m.varied_cube().transpose(2, 0, 1))
    layout = h5py.VirtualLayout(shape=(6, 12, 10), dtype="f4")
    layout[:] = h5py.VirtualSource(str(source), "cube", shape=(6, 12, 10))
    path = folder / name
    with h5py.File(path, "w") as handle:
        handle.create_virtual_dataset("cube", layout)
    return path


def prisma_declared(folder: Path, name: str, rows: int, cols: int) -> Path:
    """A PRISMA-named product of a few KB whose VNIR and SWIR cubes declare ``rows`` x ``cols``
    x 66/173 bands and were never written."""
    import h5py
    path = folder / name
    with h5py.File(path, "w") as handle:
        fields = handle.create_group("HDFEOS/SWATHS/PRS_L2D_HCO/Data Fields")
        for part, count in (("VNIR", 66), ("SWIR", 173)):
            fields.create_dataset(f"{part}_Cube", shape=(rows, count, cols), dtype="u2",
                                  chunks=(1, count, min(cols, 1000)), compression="gzip")
        attrs = handle.attrs
        attrs["List_Cw_Vnir"] = np.linspace(980, 400, 66).astype(np.float32)
        attrs["List_Cw_Swir"] = np.linspace(2500, 920, 173).astype(np.float32)
        for part in ("Vnir", "Swir"):
            attrs[f"L2Scale{part}Min"] = np.float32(0)
            attrs[f"L2Scale{part}Max"] = np.float32(1)
    return path


def wms_description(path: Path, port: int = 9) -> Path:
    """A GDAL WMS service description (XML) under a raster's name: opening it fetches URLs."""
    path.write_text(
        "<GDAL_WMS><Service name=\"WMS\"><ServerUrl>http://127.0.0.1:%d/wms</ServerUrl>"
        "<Layers>x</Layers></Service><DataWindow><UpperLeftX>0</UpperLeftX><UpperLeftY>1"
        "</UpperLeftY><LowerRightX>1</LowerRightX><LowerRightY>0</LowerRightY><SizeX>100"
        "</SizeX><SizeY>100</SizeY></DataWindow></GDAL_WMS>\n" % port)
    return path


def masked_tif(folder: Path, name: str, hide_rows: slice, cube: Optional[np.ndarray] = None,
               side_car: bool = True) -> Path:
    """A GeoTIFF with a GDAL mask (``.msk`` side-car, or internal) hiding ``hide_rows``."""
    from osgeo import gdal
    gdal.UseExceptions()
    path = m.tif(folder, name, cube)
    gdal.SetConfigOption("GDAL_TIFF_INTERNAL_MASK", "NO" if side_car else "YES")
    try:
        ds = gdal.Open(str(path), gdal.GA_Update)
        ds.CreateMaskBand(gdal.GMF_PER_DATASET)
        mask = np.full((ds.RasterYSize, ds.RasterXSize), 255, np.uint8)
        mask[hide_rows] = 0
        ds.GetRasterBand(1).GetMaskBand().WriteArray(mask)
        ds = None
    finally:
        gdal.SetConfigOption("GDAL_TIFF_INTERNAL_MASK", None)
    return path


GCP_WKT_EPSG = 4326


def gcp_tif(folder: Path, name: str, rpc: bool = False) -> Path:
    """A GeoTIFF placed only by ground control points (or only by an RPC model)."""
    from osgeo import gdal, osr
    gdal.UseExceptions()
    cube = m.varied_cube(12, 10, 6)
    path = folder / name
    ds = gdal.GetDriverByName("GTiff").Create(str(path), 10, 12, 6, gdal.GDT_Float32)
    for b in range(6):
        ds.GetRasterBand(b + 1).WriteArray(cube[:, :, b])
    if rpc:
        ds.SetMetadata(rpc_model(), "RPC")
    else:
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(GCP_WKT_EPSG)
        ds.SetGCPs([gdal.GCP(13.0 + 0.001 * i, 52.0 - 0.001 * j, 0, i, j)
                    for i in (0, 5, 10) for j in (0, 6, 12)], srs.ExportToWkt())
    ds = None
    return path


def rpc_model() -> dict:
    """A simple valid RPC model (GDAL's RPC metadata domain) around 13 E, 52 N."""
    zeros = ["0"] * 20
    return {"LINE_OFF": "6", "SAMP_OFF": "5", "LAT_OFF": "52", "LONG_OFF": "13",
            "HEIGHT_OFF": "0", "LINE_SCALE": "6", "SAMP_SCALE": "5", "LAT_SCALE": "0.01",
            "LONG_SCALE": "0.01", "HEIGHT_SCALE": "100",
            "LINE_NUM_COEFF": " ".join(["0", "0", "-1"] + zeros[3:]),
            "LINE_DEN_COEFF": " ".join(["1"] + zeros[1:]),
            "SAMP_NUM_COEFF": " ".join(["0", "1"] + zeros[2:]),
            "SAMP_DEN_COEFF": " ".join(["1"] + zeros[1:])}


def undecodable(folder: Path, name: bytes, cube: Optional[np.ndarray] = None) -> str:
    """A GeoTIFF whose file name is not valid UTF-8 (as Python holds it: with surrogates)."""
    made = m.tif(folder, "undecodable-tmp.tif", cube)
    target = os.fsencode(str(folder)) + b"/" + name
    os.rename(made, target)
    return os.fsdecode(target)
