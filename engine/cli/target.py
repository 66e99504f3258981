"""``hsad target``: find the pixels like a target spectrum, in one scene or a folder of them."""
from __future__ import annotations

import argparse
import os

from .common import (Messages, add_band_options, check_json, finite_float, parse_band_list,
                     positive_int, tile_size, worker_count, write_json)

EXAMPLES = """where the target spectrum comes from (exactly one):
  --objects FILE --object-id N    an anomaly object of `hsad threshold`'s objects layer
  --point X,Y                     the pixel under a point (scene CRS, or --point-crs)
  --vector FILE [--feature ID]    the pixels of the features (points, polygons) of a vector file
  --library FILE [--name NAME]    a spectrum of a CSV or ENVI spectral library (.sli + .hdr),
                                  resampled to the scene's bands by wavelength
  Objects and polygons give the mean of their pixels, or their peak (--spectrum peak: the pixel
  farthest from the scene background). Their own pixels stay in the background statistics.

a folder of scenes: SCENE a folder and -o an output folder, as `hsad batch` (same names:
  <name>_<method>.tif, complete outputs skipped, summary.csv); best with --library.

examples:
  hsad target scene.bsq -o like3.tif --objects objects.gpkg --object-id 3
  hsad target scene.bsq -o roofs.tif --method mf --vector roofs.gpkg --spectrum mean
  hsad target scene.tif -o here.tif --point 512345.5,5801234.5
  hsad target scene.bsq -o tarp.tif --library lib.csv --name "blue tarp" --method ace
  hsad target flights/ -o tarps/ --library lib.sli --name "blue tarp" --pattern '*.bsq'
"""


def add_parser(sub, common) -> None:
    from ..methods import DEFAULT_TARGET_METHOD, TARGET, detector_class, method_names
    from ..methods.target.sources import SPECTRUM_CHOICES
    from ..scoring import DEFAULT_TILE_SIZE
    p = sub.add_parser("target", parents=[common], help="find pixels like a target spectrum",
                       description="Score every pixel of a scene by how much it looks like a "
                       "target spectrum (taken from an anomaly object, a point, a vector layer "
                       "or a spectral library) and write a float32 score raster on the scene's "
                       "grid, with a QGIS style beside it. Higher is more like the target.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scene", help="input scene (the ENVI data file, not the .hdr), or a folder")
    p.add_argument("-o", "--output", required=True,
                   help="score raster (.tif GeoTIFF, .img/.bsq ENVI); a folder for a folder")
    names = method_names(TARGET)
    described = "; ".join(f"{n}: {detector_class(n, TARGET).label}, "
                          f"{detector_class(n, TARGET).summary}" for n in names)
    p.add_argument("--method", default=DEFAULT_TARGET_METHOD, choices=names,
                   help=f"detector (default: {DEFAULT_TARGET_METHOD}). {described}")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--objects", metavar="FILE", help="an objects layer of hsad threshold")
    source.add_argument("--point", metavar="X,Y", help="map coordinates of the target pixel "
                        "(write --point=X,Y when X is negative)")
    source.add_argument("--vector", metavar="FILE", help="points or polygons on the target")
    source.add_argument("--library", metavar="FILE", help="a spectral library (CSV or ENVI .sli)")
    p.add_argument("--object-id", type=positive_int, metavar="N",
                   help="with --objects: the object_id of the object (default 1, the strongest)")
    p.add_argument("--feature", type=int, metavar="ID",
                   help="with --vector: one feature by its id (default: all features)")
    p.add_argument("--layer", metavar="NAME",
                   help="with --objects or --vector: the layer of a file holding several")
    p.add_argument("--point-crs", metavar="CRS",
                   help="with --point: the CRS of X,Y (EPSG:4326, WKT...; default the scene's)")
    p.add_argument("--spectrum", choices=SPECTRUM_CHOICES,
                   help="with --objects or --vector: the mean of the pixels covered (default) "
                   "or the peak, the pixel farthest from the background")
    p.add_argument("--name", help="with --library: the spectrum's name (needed when it holds "
                   "several)")
    p.add_argument("--scale", type=finite_float, metavar="FACTOR",
                   help="with --library: multiply the spectrum by this to bring it to the "
                   "scene's values (e.g. 10000 for reflectance stored x 10000)")
    add_band_options(p)
    p.add_argument("--tile-size", type=tile_size, default=DEFAULT_TILE_SIZE,
                   help=f"pixels per tile side; bounds memory (default {DEFAULT_TILE_SIZE})")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing output (and an existing --json file)")
    p.add_argument("--no-style", action="store_true", help="do not write the .qml style side-car")
    p.add_argument("--json", metavar="OUT", help="write a JSON summary of the run ('-' = stdout)")
    folder = p.add_argument_group("a folder of scenes (as hsad batch)")
    folder.add_argument("--pattern", metavar="GLOB", help="only files whose name matches")
    folder.add_argument("--recursive", action="store_true", help="also look in subfolders")
    folder.add_argument("--workers", type=worker_count, metavar="N",
                        help="scenes scored at once by a local Dask cluster of N processes")
    p.set_defaults(run=run)


def target_source(args):
    """The spectrum source the options describe, or a one-line usage error."""
    from ..errors import HsadError
    from ..methods.target.sources import LibrarySource, ObjectSource, VectorSource, point_source
    kind = next(k for k in ("objects", "point", "vector", "library") if getattr(args, k))
    allowed = {"objects": {"object_id", "layer", "spectrum"}, "vector": {"feature", "layer",
                                                                         "spectrum"},
               "point": {"point_crs"}, "library": {"name", "scale"}}[kind]
    for option in ("object_id", "feature", "layer", "point_crs", "spectrum", "name", "scale"):
        if getattr(args, option) is not None and option not in allowed:
            raise HsadError(f"--{option.replace('_', '-')} does not go with --{kind}")
    spectrum = args.spectrum or "mean"
    if kind == "objects":
        return ObjectSource(args.objects, args.object_id or 1, spectrum, args.layer or "")
    if kind == "vector":
        return VectorSource(args.vector, args.feature, spectrum, args.layer or "")
    if kind == "library":
        return LibrarySource(args.library, args.name or "", args.scale)
    try:
        x, y = (float(v) for v in args.point.split(","))
    except ValueError:
        raise HsadError(f"--point: '{args.point}' is not two numbers X,Y") from None
    return point_source(x, y, args.point_crs or "")


def target_parameters(args):
    from ..methods.target.parameters import TargetParameters
    params = TargetParameters(method=args.method, bands=parse_band_list(args.bands),
                              drop_bad_bands=not args.keep_bad_bands, tile_size=args.tile_size,
                              nodata=args.nodata, target=target_source(args))
    params.check()
    return params


def run(args) -> int:
    from ..errors import HsadError
    params = target_parameters(args)
    folder_options = args.pattern or args.recursive or args.workers
    if os.path.isdir(args.scene):
        return run_folder(args, params)
    if folder_options:
        raise HsadError("--pattern, --recursive and --workers go with a folder of scenes")
    return run_scene(args, params)


def run_scene(args, params) -> int:
    from ..pipeline import detect_scene
    messages = Messages(args)
    inputs = [args.scene, args.output] + params.target.files()
    check_json(args.json, inputs, args.overwrite)
    with messages.progress(args.method) as progress:
        result = detect_scene(args.scene, args.output, params, overwrite=args.overwrite,
                              progress=progress, log=messages.debug,
                              write_style=not args.no_style, protect=params.target.files())
    s = result.summary
    target = result.parameters.get("target") or {}
    messages.info(f"{result.output}: {result.method} scores of {result.rows} x {result.cols} "
                  f"pixels in {result.seconds:.1f} s, target {target.get('description', '?')}; "
                  f"99.9th percentile {s.percentiles.get('p99_9', float('nan')):.4g}, "
                  f"max {s.maximum:.4g}")
    for notice in result.notices + ([target["note"]] if target.get("note") else []):
        messages.info(f"note: {notice}")
    write_json(result.as_dict(), args.json, inputs, args.overwrite)
    return 0


def run_folder(args, params) -> int:
    from ..batch import is_batch_summary, plan_batch, run_batch
    from ..errors import HsadError
    messages = Messages(args)
    jobs = plan_batch(args.scene, args.output, params.method, args.pattern, args.recursive)
    if not jobs:
        raise HsadError(f"{args.scene}: no file matches "
                        + (f"'{args.pattern}'" if args.pattern else "a raster"))
    protected = [j.scene for j in jobs] + [j.output for j in jobs] + params.target.files()
    for job in jobs:
        if os.path.realpath(job.output) in {os.path.realpath(f) for f in params.target.files()}:
            raise HsadError(f"{job.output}: is the target's own file; choose another output "
                            "folder")
    check_json(args.json, protected, args.overwrite or is_batch_summary(args.json))
    messages.info(f"{len(jobs)} scene(s) from {args.scene} to {args.output} ({args.method}, "
                  f"{params.target.describe()})")
    with messages.progress(f"{len(jobs)} scenes") as progress:
        summary = run_batch(jobs, args.output, params, overwrite=args.overwrite,
                            workers=args.workers or 1, progress=progress, log=messages.info,
                            debug=messages.debug, input_dir=os.path.abspath(args.scene),
                            write_style=not args.no_style)
    for record in summary.failed if messages.quiet else ():
        messages.always(f"{record.scene}: failed: {record.error}")
    messages.info(f"{summary.describe()}; summary in {os.path.join(args.output, 'summary.csv')}")
    write_json(summary.as_dict(), args.json, protected, True)
    return 0 if summary.ok else 1
