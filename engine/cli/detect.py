"""``hsad detect``: score one scene and write a georeferenced score raster."""
from __future__ import annotations

from .common import (Messages, add_band_options, add_method_options, add_scene_options,
                     check_json,
                     detect_parameters, write_json)

EXAMPLES = """examples:
  hsad detect scene.bsq -o scene_score.tif
  hsad detect scene.tif -o scene_rx.tif --method rx --bands 1-120
  hsad detect scene.img -o lrx.tif --method lrx --inner 3 --outer 15 --json -
  hsad detect EMIT_L2A_RFL_001_20230215T081145_2304606_011.nc -o emit.tif --quality-masks
  hsad detect ENMAP01-____L2A-...-SPECTRAL_IMAGE.TIF -o harbour.tif --aoi harbour.gpkg \
      --quality-masks default,water
  hsad detect scene.tif -o rx.tif --aoi=13.05,52.38,13.10,52.41 --aoi-crs EPSG:4326 \
      --exclude roads.gpkg --exclude cloudmask.tif
  hsad detect mosaic.vrt -o mosaic.tif --wavelengths tile_1.tif
"""


def add_parser(sub, common) -> None:
    import argparse
    p = sub.add_parser("detect", parents=[common], help="score one scene",
                       description="Score every pixel of a hyperspectral scene (ENVI, GeoTIFF, any "
                       "GDAL raster, a MATLAB .mat cube, an EMIT .nc or PRISMA .he5 product) "
                       "and write a float32 score raster on the scene's grid, with a QGIS "
                       "style beside it.", epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scene", help="input scene (the ENVI data file, not the .hdr)")
    p.add_argument("-o", "--output", required=True, help="score raster (.tif GeoTIFF, .img/.bsq ENVI)")
    add_method_options(p)
    add_band_options(p)
    add_scene_options(p)
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing output (and an existing --json file)")
    p.add_argument("--no-style", action="store_true", help="do not write the .qml style side-car")
    p.add_argument("--json", metavar="OUT", help="write a JSON summary of the run ('-' = stdout)")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..pipeline import detect_scene
    messages = Messages(args)
    params = detect_parameters(args)
    check_json(args.json, [args.scene, args.output], args.overwrite)
    with messages.progress(f"{args.method}") as progress:
        result = detect_scene(args.scene, args.output, params, overwrite=args.overwrite,
                              progress=progress, log=messages.debug, write_style=not args.no_style)
    s = result.summary
    messages.info(f"{result.output}: {result.method} scores of {result.rows} x {result.cols} pixels "
                  f"({result.bands} bands) in {result.seconds:.1f} s on {result.device}"
                  + (f", model {result.model_version}" if result.model_version else "")
                  + f"; median {s.percentiles.get('p50', float('nan')):.4g}, "
                  f"99.9th percentile {s.percentiles.get('p99_9', float('nan')):.4g}")
    for notice in result.notices:
        messages.info(f"note: {notice}")
    write_json(result.as_dict(), args.json, [args.scene, args.output], args.overwrite)
    return 0
