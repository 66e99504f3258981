"""``hsad evaluate``: ROC AUC and 3-D ROC measures of detectors on labelled scenes."""
from __future__ import annotations

import argparse

from .common import (Messages, add_method_options, add_nodata_option, check_json,
                     json_to_stdout, method_option_values, parse_band_list, write_json)

EXAMPLES = """examples:
  hsad evaluate abu-airport-2.mat                               rx and twobranch on a MATLAB scene
  hsad evaluate scene.bsq --truth truth.tif --method lrx --json results.json
  hsad evaluate data/*.mat --method rx --json - --plot roc/
"""


def add_parser(sub, common) -> None:
    p = sub.add_parser("evaluate", parents=[common], help="measure detectors against ground truth",
                       description="Score labelled scenes with one or more methods and report ROC "
                       "AUC, AUC(Pd,tau), AUC(Pf,tau) and SNPR on valid pixels.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenes", nargs="+", metavar="SCENE",
                   help="a .mat scene with its own ground truth, or a raster with --truth")
    p.add_argument("--truth", help="ground-truth raster on the scene's grid (nonzero = anomaly); "
                   "only with a single raster SCENE")
    add_method_options(p, multiple=True)
    p.add_argument("--bands", help="1-based bands to use (default: all good bands)")
    add_nodata_option(p)
    p.add_argument("--json", metavar="OUT", help="write results as JSON ('-' = stdout)")
    p.add_argument("--plot", metavar="DIR", help="write ROC curves as PNG files into DIR")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing --json file or ROC pictures")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..errors import HsadError
    from ..evaluation import evaluate_scene, plot_roc_curves, roc_picture_path, summarise
    from ..pipeline import DetectParameters
    if args.truth and len(args.scenes) != 1:
        raise HsadError("--truth applies to one SCENE; evaluate several rasters one at a time")
    messages = Messages(args)
    inputs = list(args.scenes) + ([args.truth] if args.truth else [])
    check_json(args.json, inputs, args.overwrite)
    if args.plot:  # the pictures' names are known now: refuse them before any scoring
        from ..outputs.staging import check_target
        for scene in args.scenes:
            check_target(roc_picture_path(args.plot, scene), inputs, args.overwrite)
    methods = args.methods or ["rx", "twobranch"]
    base = DetectParameters(bands=parse_band_list(args.bands), tile_size=args.tile_size,
                            device=args.device, nodata=args.nodata,
                            options=method_option_values(args))
    rows, curves = [], {} if args.plot else None
    for scene in args.scenes:
        with messages.progress(scene) as progress:
            rows += evaluate_scene(scene, methods, args.truth, base, progress, curves)
    document = summarise(rows)
    if args.json:
        write_json(document, args.json, inputs, args.overwrite)
    if not json_to_stdout(args.json):
        print(f"{'scene':28s} {'method':10s} {'AUC':>7s} {'AUC(Pd,t)':>9s} {'AUC(Pf,t)':>9s} "
              f"{'SNPR':>7s} {'seconds':>8s}")
        for r in rows:
            print(f"{r.scene[:28]:28s} {r.method:10s} {r.auc_roc:7.4f} {r.auc_pd_tau:9.4f} "
                  f"{r.auc_pf_tau:9.4f} {r.snpr:7.2f} {r.seconds:8.2f}")
        for method, mean in document["mean_auc_roc"].items():
            print(f"mean AUC {method}: {mean:.4f} over {sum(r.method == method for r in rows)} scenes")
    if args.plot:
        for path in plot_roc_curves(curves, args.plot, inputs, args.overwrite):
            messages.debug(f"wrote {path}")
    return 0
