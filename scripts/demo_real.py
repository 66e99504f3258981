"""``make demo-real``: hsad on a real EnMAP L2A product as users handle one.

The 18 EnMAP Potsdam tiles of ../shared/data/background/enmap (real L2A reflectance, land and
water; 32 x 32 pixels each, disjoint windows of one scene) are mosaicked with GDAL's Build
Virtual Raster, which drops their per-band wavelengths; ``--wavelengths`` gives them back from
an original tile. The mosaic is then scored by the pretrained detector three times with the
``hsad`` command: whole, through an area of interest (the river reach), and through the same area
with the water excluded (the tiles come without EnMAP's QL_QUALITY_* layers, so the water mask
is the one an analyst would make: NDWI > 0 of the mosaic itself). A picture of the four goes to
docs/img/demo-real.png. Nothing of the tiles is copied into the repository; the mosaic and the
scores stay in build/demo-real/.
"""
from __future__ import annotations

import glob
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
TILES = REPO.parent / "shared" / "data" / "background" / "enmap"
WORK = REPO / "build" / "demo-real"
PICTURE = REPO / "docs" / "img" / "demo-real.png"
# The area of interest: the river reach in the lower half of the mosaic (map coordinates,
# UTM 33N): pixel rows 96-159, columns 32-159.
AREA = (364095.0 + 32 * 30.0, 5809965.0 - 160 * 30.0, 364095.0 + 160 * 30.0,
        5809965.0 - 96 * 30.0)


def main() -> int:
    tiles = sorted(glob.glob(str(TILES / "enmap_potsdam_tile_*.tif")))
    if not tiles:
        print(f"demo-real skipped: the EnMAP Potsdam tiles are not in {TILES} (the shared data "
              "folder beside the repository is absent)")
        return 0
    from osgeo import gdal
    gdal.UseExceptions()
    started = time.perf_counter()
    WORK.mkdir(parents=True, exist_ok=True)
    mosaic = WORK / "potsdam.vrt"
    gdal.BuildVRT(str(mosaic), tiles)  # what QGIS's Raster > Miscellaneous > Build VRT does
    water = write_water_mask(mosaic, tiles[0], WORK / "water.tif")
    hsad = str(Path(sys.executable).with_name("hsad"))
    extent = ",".join(f"{v:.1f}" for v in AREA)
    runs = {
        "whole": [],
        "area": ["--aoi", extent],
        "area_no_water": ["--aoi", extent, "--exclude", str(water)],
    }
    for name, extra in runs.items():
        command = [hsad, "detect", str(mosaic), "-o", str(WORK / f"{name}.tif"), "--overwrite",
                   "--no-style", "--wavelengths", tiles[0], *extra]
        print("$ " + " ".join(_short(c) for c in command), flush=True)
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            print(done.stderr.strip())
            return done.returncode
        print("  " + done.stderr.strip().replace("\n", "\n  "))
    compare(WORK)
    picture(mosaic, tiles[0], WORK)
    print(f"{PICTURE.relative_to(REPO)} written; demo-real took "
          f"{time.perf_counter() - started:.1f} s")
    return 0


def compare(folder: Path) -> None:
    """What leaving the water out changed in the area: its scores, the land's, the top pixels."""
    from osgeo import gdal
    scores = {}
    for name in ("area", "area_no_water"):
        ds = gdal.Open(str(folder / f"{name}.tif"))
        values = ds.ReadAsArray().astype(np.float64)
        values[values == ds.GetRasterBand(1).GetNoDataValue()] = np.nan
        scores[name] = values
    with_water, without = scores["area"], scores["area_no_water"]
    water = np.isnan(without) & ~np.isnan(with_water)
    land = ~np.isnan(without)
    top = {k: v >= np.nanpercentile(v, 99.5) for k, v in scores.items()}
    shared = (top["area"] & top["area_no_water"]).sum()
    print(f"area: {water.sum()} water pixels excluded; with them in, water scored a median "
          f"{np.nanmedian(with_water[water]):.2f} against the land's "
          f"{np.nanmedian(with_water[land]):.2f}; land scores with and without the water "
          f"correlate {np.corrcoef(with_water[land], without[land])[0, 1]:.3f}; "
          f"{shared} of the {top['area_no_water'].sum()} top-0.5% pixels without water are "
          f"top-0.5% with it ({top['area'].sum()})")


def bands_near(tile: str, targets) -> list:
    from osgeo import gdal
    ds = gdal.Open(tile)
    centres = np.array([float(ds.GetRasterBand(i + 1).GetMetadataItem("wavelength"))
                        for i in range(ds.RasterCount)])
    return [int(np.argmin(np.abs(centres - t))) + 1 for t in targets]


def read_bands(mosaic: Path, bands: list) -> np.ndarray:
    from osgeo import gdal
    ds = gdal.Open(str(mosaic))
    out = []
    for b in bands:
        band = ds.GetRasterBand(b)
        values = band.ReadAsArray().astype(np.float32)
        values[values == band.GetNoDataValue()] = np.nan
        out.append(values * (band.GetScale() or 1.0))
    return np.stack(out, axis=-1)


def write_water_mask(mosaic: Path, tile: str, path: Path) -> Path:
    """1 where the NDWI (green 560 nm, near infrared 860 nm) of the mosaic is above 0."""
    from osgeo import gdal
    green, nir = np.moveaxis(read_bands(mosaic, bands_near(tile, (560, 860))), -1, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        water = ((green - nir) / (green + nir) > 0).astype(np.uint8)
    source = gdal.Open(str(mosaic))
    temp = path.with_name(path.name + ".partial")
    ds = gdal.GetDriverByName("GTiff").Create(str(temp), source.RasterXSize, source.RasterYSize,
                                              1, gdal.GDT_Byte)
    ds.SetGeoTransform(source.GetGeoTransform())
    ds.SetProjection(source.GetProjection())
    ds.GetRasterBand(1).WriteArray(water)
    ds = None
    os.replace(temp, path)
    return path


def picture(mosaic: Path, tile: str, folder: Path) -> None:
    """True colour with the area outlined; the three score rasters on the same frame."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from osgeo import gdal
    rgb = read_bands(mosaic, bands_near(tile, (640, 550, 460)))
    low, high = np.nanpercentile(rgb, 2), np.nanpercentile(rgb, 98)
    rgb = np.clip((rgb - low) / (high - low), 0, 1)
    rgb[np.isnan(rgb)] = 1.0
    gt = gdal.Open(str(mosaic)).GetGeoTransform()
    rows, cols = rgb.shape[:2]
    frame = (gt[0], gt[0] + cols * gt[1], gt[3] + rows * gt[5], gt[3])
    fig, axes = plt.subplots(1, 4, figsize=(15, 4.8), constrained_layout=True)
    axes[0].imshow(rgb, extent=frame)
    axes[0].set_title("EnMAP L2A, Potsdam: 18 tiles\nmosaicked (gdalbuildvrt)")
    titles = {"whole": "twobranch scores, whole mosaic",
              "area": "--aoi: only the river reach\nis read, scored and written",
              "area_no_water": "--aoi and --exclude water.tif:\nwater out of the statistics"}
    for ax, (name, title) in zip(axes[1:], titles.items()):
        ds = gdal.Open(str(folder / f"{name}.tif"))
        band = ds.GetRasterBand(1)
        scores = band.ReadAsArray().astype(np.float32)
        scores[scores == band.GetNoDataValue()] = np.nan
        g = ds.GetGeoTransform()
        extent = (g[0], g[0] + ds.RasterXSize * g[1], g[3] + ds.RasterYSize * g[5], g[3])
        ax.imshow(np.ones((rows, cols, 3)), extent=frame)
        low, high = np.nanpercentile(scores, 1), np.nanpercentile(scores, 99.5)
        shown = ax.imshow(scores, extent=extent, cmap="magma", vmin=low, vmax=high)
        ax.set_title(title)
        fig.colorbar(shown, ax=ax, shrink=0.7)
    for ax in axes:
        ax.add_patch(plt.Rectangle((AREA[0], AREA[1]), AREA[2] - AREA[0], AREA[3] - AREA[1],
                                   fill=False, edgecolor="#00b4d8", linewidth=1.2))
        ax.set_xlim(frame[0], frame[1])
        ax.set_ylim(frame[2], frame[3])
        ax.set_xticks([])
        ax.set_yticks([])
    PICTURE.parent.mkdir(parents=True, exist_ok=True)
    temp = PICTURE.with_name(PICTURE.stem + ".partial.png")
    fig.savefig(temp, dpi=80)
    plt.close(fig)
    os.replace(temp, PICTURE)


def _short(text: str) -> str:
    return os.path.relpath(text, REPO) if os.path.isabs(text) and text.startswith(str(
        REPO.parent)) else text


if __name__ == "__main__":
    sys.exit(main())
