"""Small sensor products built to their published layout, for the product-reader tests.

EMIT granules follow the LP DAAC netCDF-4 layout (EMIT L2A user guide; emit-utils'
``daac_converter.py``): HDF5 written with h5py, with netCDF dimension scales, which GDAL's
netCDF driver and h5py both read. EnMAP and DESIS products are GeoTIFFs with their XML and
quality layers beside them, named as DLR names them.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from support import write_cube

EMIT_TIME = "001_20230215T081145_2304606_011"
EMIT_RFL = f"EMIT_L2A_RFL_{EMIT_TIME}.nc"
EMIT_MASK = f"EMIT_L2A_MASK_{EMIT_TIME}.nc"
EMIT_GEOTRANSFORM = (30.25, 0.000542232520256, 0.0, -12.5, 0.0, -0.000542232520256)
MASK_BANDS = ["Cloud flag", "Cirrus flag", "Water flag", "Spacecraft Flag", "Dilated Cloud Flag",
              "AOD550", "H2O (g cm-2)", "Aggregate Flag"]
WGS84_WKT = ('GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
             'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
             'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG",'
             '"9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]')


def swath_glt(sensor_shape: tuple, ortho_shape: tuple, angle_deg: float = 12.0, seed: int = 0):
    """(glt_x, glt_y): a swath crossing the map grid at an angle, 1-based, 0 off the swath; a
    few entries negative (filled from a neighbour, as the EMIT GLT marks them)."""
    down_n, cross_n = sensor_shape
    rows, cols = ortho_shape
    r, c = np.mgrid[0:rows, 0:cols].astype(float)
    r -= rows / 2.0
    c -= cols / 2.0
    a = np.deg2rad(angle_deg)
    down = np.round(np.cos(a) * r - np.sin(a) * c + down_n / 2.0).astype(np.int64)
    cross = np.round(np.sin(a) * r + np.cos(a) * c + cross_n / 2.0).astype(np.int64)
    inside = (down >= 0) & (down < down_n) & (cross >= 0) & (cross < cross_n)
    glt_x = np.where(inside, cross + 1, 0).astype(np.int32)
    glt_y = np.where(inside, down + 1, 0).astype(np.int32)
    rng = np.random.default_rng(seed)
    filled = inside & (rng.random(inside.shape) < 0.05)
    glt_x[filled] *= -1
    glt_y[filled] *= -1
    return glt_x, glt_y


def _scale(f, name: str, values) -> None:
    f.create_dataset(name, data=np.asarray(values))
    f[name].make_scale(name)


def _attach(dataset, f, names) -> None:
    for axis, name in enumerate(names):
        dataset.dims[axis].attach_scale(f[name])


def write_emit(folder, cube: np.ndarray, ortho_shape: tuple = None, glt=None,
               name: str = EMIT_RFL, variable: str = "reflectance", good=None,
               wavelengths=None, geotransform=EMIT_GEOTRANSFORM, fill_rows=()) -> str:
    """An EMIT L2A reflectance (or L1B radiance) granule holding ``cube`` (downtrack, crosstrack,
    bands) and a GLT onto a map grid of ``ortho_shape``; returns its path."""
    import h5py
    down_n, cross_n, bands = cube.shape
    ortho_shape = ortho_shape or (down_n + 8, cross_n + 10)
    glt_x, glt_y = glt if glt is not None else swath_glt((down_n, cross_n), ortho_shape)
    wavelengths = np.linspace(381.0, 2493.0, bands) if wavelengths is None else wavelengths
    good = np.ones(bands, np.uint8) if good is None else np.asarray(good, np.uint8)
    data = cube.astype(np.float32).copy()
    for row in fill_rows:
        data[row] = -9999.0
    path = os.path.join(str(folder), name)
    with h5py.File(path, "w") as f:
        _scale(f, "downtrack", np.arange(down_n, dtype=np.int32))
        _scale(f, "crosstrack", np.arange(cross_n, dtype=np.int32))
        _scale(f, "bands", np.arange(bands, dtype=np.int32))
        _scale(f, "ortho_y", np.arange(glt_x.shape[0], dtype=np.int32))
        _scale(f, "ortho_x", np.arange(glt_x.shape[1], dtype=np.int32))
        var = f.create_dataset(variable, data=data, chunks=(min(down_n, 64), min(cross_n, 64), 
                                                            bands),
                               compression="gzip", fillvalue=np.float32(-9999.0))
        var.attrs["_FillValue"] = np.float32(-9999.0)
        var.attrs["long_name"] = "Surface Reflectance" if variable == "reflectance" else \
            "Radiance"
        _attach(var, f, ("downtrack", "crosstrack", "bands"))
        params = f.create_group("sensor_band_parameters")
        params.create_dataset("wavelengths", data=np.asarray(wavelengths, np.float32))
        params.create_dataset("fwhm", data=np.full(bands, 8.5, np.float32))
        if variable == "reflectance":
            params.create_dataset("good_wavelengths", data=good)
        location = f.create_group("location")
        for key, values in (("glt_x", glt_x), ("glt_y", glt_y)):
            ds = location.create_dataset(key, data=values, compression="gzip")
            ds.attrs["_FillValue"] = np.int32(-9999)
            _attach(ds, f, ("ortho_y", "ortho_x"))
        for key in ("lat", "lon", "elev"):
            ds = location.create_dataset(key, data=np.zeros((down_n, cross_n)))
            _attach(ds, f, ("downtrack", "crosstrack"))
        f.attrs["geotransform"] = np.asarray(geotransform, np.float64)
        f.attrs["spatial_ref"] = WGS84_WKT
        f.attrs["title"] = "EMIT L2A Estimated Surface Reflectance 60 m V001"
        f.attrs["instrument"] = "EMIT"
    return path


def write_emit_mask(folder, flags: dict, sensor_shape: tuple, glt,
                    name: str = EMIT_MASK) -> str:
    """The companion EMIT_L2A_MASK granule: {flag band name: bool (downtrack, crosstrack)}."""
    import h5py
    down_n, cross_n = sensor_shape
    mask = np.zeros((down_n, cross_n, len(MASK_BANDS)), np.float32)
    for label, values in flags.items():
        mask[:, :, MASK_BANDS.index(label)] = values
    mask[:, :, 5] = 0.1  # AOD, a data band, never a flag
    path = os.path.join(str(folder), name)
    with h5py.File(path, "w") as f:
        _scale(f, "downtrack", np.arange(down_n, dtype=np.int32))
        _scale(f, "crosstrack", np.arange(cross_n, dtype=np.int32))
        _scale(f, "bands", np.arange(len(MASK_BANDS), dtype=np.int32))
        _scale(f, "ortho_y", np.arange(glt[0].shape[0], dtype=np.int32))
        _scale(f, "ortho_x", np.arange(glt[0].shape[1], dtype=np.int32))
        var = f.create_dataset("mask", data=mask)
        var.attrs["_FillValue"] = np.float32(-9999.0)
        _attach(var, f, ("downtrack", "crosstrack", "bands"))
        params = f.create_group("sensor_band_parameters")
        params.create_dataset("mask_bands", data=np.array(MASK_BANDS, dtype=object),
                              dtype=h5py.string_dtype())
        location = f.create_group("location")
        for key, values in zip(("glt_x", "glt_y"), glt):
            ds = location.create_dataset(key, data=values)
            _attach(ds, f, ("ortho_y", "ortho_x"))
        f.attrs["geotransform"] = np.asarray(EMIT_GEOTRANSFORM, np.float64)
        f.attrs["spatial_ref"] = WGS84_WKT
    return path


# EnMAP L2A (test_product_metadata.py, test_quality_layers.py)
PRODUCT = "ENMAP01-____L2A-DT0000001867_20220724T104526Z_008_V010302_20230628T165614Z"
# VNIR then SWIR: the two detectors overlap, so band order is not wavelength order.
WAVELENGTHS = [420.0, 600.0, 800.0, 950.0, 910.0, 1200.0, 1650.0, 2200.0]
GAINS = [1e-4, 1e-4, 2e-4, 2e-4, 1e-4, 1e-4, 3e-4, 1e-4]


def write_enmap_product(folder, cube=None, wavelengths=WAVELENGTHS, gains=GAINS,
                        offsets=None) -> str:
    """A GDAL-written int16 SPECTRAL_IMAGE.TIF and the METADATA.XML EnMAP delivers with it."""
    bands = len(wavelengths)
    if cube is None:
        rng = np.random.default_rng(0)
        cube = rng.integers(100, 5000, size=(9, 7, bands)).astype(np.int16)
    image = write_cube(Path(folder) / f"{PRODUCT}-SPECTRAL_IMAGE.TIF", cube, dtype="int16",
                       nodata=-32768)
    offsets = offsets or [0.0] * bands
    entries = "".join(
        f'<bandID number="{i + 1}"><wavelengthCenterOfBand>{w}</wavelengthCenterOfBand>'
        f"<FWHMOfBand>8.5</FWHMOfBand><GainOfBand>{g}</GainOfBand>"
        f"<OffsetOfBand>{o}</OffsetOfBand></bandID>"
        for i, (w, g, o) in enumerate(zip(wavelengths, gains, offsets)))
    (Path(folder) / f"{PRODUCT}-METADATA.XML").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><level_X><base><format>GeoTIFF</format></base>'
        f"<specific><bandCharacterisation>{entries}</bandCharacterisation></specific></level_X>")
    return image



# PRISMA L2D (test_prisma.py, test_quality_layers.py)
NAME = "PRS_L2D_STD_20200101000000_20200101000004_0001.he5"
VNIR_CW = [980.0, 900.0, 0.0, 700.0, 550.0, 410.0]  # descending, one unused slot
SWIR_CW = [2450.0, 2000.0, 1500.0, 0.0, 1000.0, 940.0]
SCALES = {"Vnir": (0.0, 0.8), "Swir": (0.01, 0.6)}


def write_prisma(path, rows=12, cols=10, geocoded=True, parts=("VNIR", "SWIR")):
    """An HDF-EOS5 file laid out as PRISMA L2D delivers it; returns the raw cubes."""
    import h5py
    rng = np.random.default_rng(0)
    raw = {part: rng.integers(1, 60000, size=(rows, 6, cols)).astype(np.uint16)
           for part in ("VNIR", "SWIR")}
    for cube in raw.values():
        cube[0, :, 0] = 0  # outside the acquisition
    with h5py.File(path, "w") as f:
        fields = f.create_group("HDFEOS/SWATHS/PRS_L2D_HCO/Data Fields")
        for part in parts:
            fields.create_dataset(f"{part}_Cube", data=raw[part], chunks=(4, 6, cols),
                                  compression="gzip")
        f.create_dataset("HDFEOS/SWATHS/PRS_L2D_HCO/Geolocation Fields/Latitude",
                         data=np.zeros((rows, cols), np.float32))
        attrs = f.attrs
        attrs["List_Cw_Vnir"] = np.array(VNIR_CW, np.float32)
        attrs["List_Cw_Swir"] = np.array(SWIR_CW, np.float32)
        attrs["List_Fwhm_Vnir"] = np.full(6, 10.5, np.float32)
        attrs["List_Fwhm_Swir"] = np.full(6, 12.25, np.float32)
        for part, (low, high) in SCALES.items():
            attrs[f"L2Scale{part}Min"] = np.float32(low)
            attrs[f"L2Scale{part}Max"] = np.float32(high)
        if geocoded:
            attrs["Epsg_Code"] = np.int32(32632)
            attrs["Product_ULcorner_easting"] = 500015.0
            attrs["Product_ULcorner_northing"] = 4999985.0
            attrs["Product_LRcorner_easting"] = 500015.0 + 30 * (cols - 1)
            attrs["Product_LRcorner_northing"] = 4999985.0 - 30 * (rows - 1)
    return raw


