"""``hsad detect``: score one scene and write a georeferenced score raster."""
from __future__ import annotations

from .common import (Messages, add_band_options, add_method_options, check_json,
                     detect_parameters, write_json)

EXAMPLES = """examples:
  hsad detect scene.bsq -o scene_score.tif
  hsad detect scene.tif -o scene_rx.tif --method rx --bands 1-120
  hsad detect scene.img -o lrx.tif --method lrx --inner 3 --outer 15 --json -
"""


def add_parser(sub, common) -> None:
    import argparse
    p = sub.add_parser("detect", parents=[common], help="score one scene",
                       description="Score every pixel of a hyperspectral scene (ENVI, GeoTIFF, any "
                       "GDAL raster, or a MATLAB .mat cube) and write a float32 score raster on "
                       "the scene's grid, with a QGIS style beside it.", epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scene", help="input scene (the ENVI data file, not the .hdr)")
    p.add_argument("-o", "--output", required=True, help="score raster (.tif GeoTIFF, .img/.bsq ENVI)")
    add_method_options(p)
    add_band_options(p)
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
