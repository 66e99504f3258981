"""Scenes with a material at known places, and the files users bring to find it."""
from __future__ import annotations

import numpy as np

from support import write_cube

BANDS = 40
WAVELENGTHS = np.linspace(420.0, 2400.0, BANDS)
FWHM = np.full(BANDS, 55.0)
# The material's pixels: a 2 x 2 object, and three more pixels holding it at partial abundance.
OBJECT = ((10, 10), (10, 11), (11, 10), (11, 11))
MORE = ((30, 8, 0.7), (6, 33, 0.5), (40, 40, 0.9))


def material(wavelengths_nm=WAVELENGTHS) -> np.ndarray:
    """A smooth spectrum unlike the background's mixtures (reflectance x 10000)."""
    return 2500.0 + 1500.0 * np.sin(np.asarray(wavelengths_nm) / 180.0)


def scene_cube(rows=48, cols=46, seed=3) -> np.ndarray:
    from scipy.ndimage import gaussian_filter
    rng = np.random.default_rng(seed)
    fields = np.abs(gaussian_filter(rng.normal(size=(rows, cols, 3)), sigma=(3, 3, 0)))
    endmembers = rng.uniform(800, 4000, size=(3, BANDS))
    cube = fields / fields.sum(axis=2, keepdims=True) @ endmembers
    cube += rng.normal(scale=30.0, size=cube.shape)
    for r, c in OBJECT:
        cube[r, c] = material() + rng.normal(scale=30.0, size=BANDS)
    for r, c, share in MORE:
        cube[r, c] = share * material() + (1 - share) * cube[r, c]
    return cube.astype(np.float32)


def write_scene(folder, name="scene.tif", **kwargs) -> tuple:
    """(path, cube): a GeoTIFF (UTM 33N, 30 m pixels from 500000, 4100000) with wavelengths
    and FWHM, unless told otherwise."""
    cube = scene_cube()
    kwargs.setdefault("wavelengths", WAVELENGTHS)
    kwargs.setdefault("fwhm", FWHM)
    return write_cube(folder / name, cube, **kwargs), cube


def pixel_point(row: int, col: int) -> str:
    """WKT of the centre of a pixel of write_scene's grid."""
    return f"POINT ({500000.0 + 30.0 * (col + 0.5)} {4100000.0 - 30.0 * (row + 0.5)})"


def write_csv_library(path, wavelengths_nm, spectra: dict, header="wavelength (nm)",
                      delimiter=",") -> str:
    lines = [delimiter.join([header] + list(spectra))]
    for i, w in enumerate(wavelengths_nm):
        lines.append(delimiter.join([f"{w:g}"] + [f"{s[i]:.6g}" for s in spectra.values()]))
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def write_sli(path, wavelengths, spectra: dict, units="Micrometers", byte_order=0,
              header_offset=0, extra="") -> str:
    """An ENVI spectral library as ENVI writes it: float32 spectra, one per line."""
    values = np.asarray(list(spectra.values()), dtype=">f4" if byte_order else "<f4")
    with open(path, "wb") as handle:
        handle.write(b"\0" * header_offset)
        handle.write(values.tobytes())
    header = (f"ENVI\ndescription = {{test library}}\nsamples = {values.shape[1]}\n"
              f"lines = {values.shape[0]}\nbands = 1\nheader offset = {header_offset}\n"
              f"file type = ENVI Spectral Library\ndata type = 4\ninterleave = bsq\n"
              f"byte order = {byte_order}\nwavelength units = {units}\n"
              f"spectra names = {{{', '.join(spectra)}}}\n"
              f"wavelength = {{\n {', '.join(f'{w:.6f}' for w in wavelengths)}}}\n{extra}")
    (path.parent / (path.stem + ".hdr")).write_text(header)
    return str(path)
