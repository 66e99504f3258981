"""``hsad evaluate``: ROC AUC, 3-D ROC measures and what a threshold finds, on labelled scenes."""
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
                       "AUC, AUC(Pd,tau), AUC(Pf,tau) and SNPR on valid pixels, and what an analyst "
                       "sees after the threshold: at background false-alarm rates 0.1 %% and 1 %% "
                       "(threshold set on the background's own scores, ties left out), the share "
                       "of anomaly pixels flagged and the truth objects (8-connected) with a "
                       "flagged pixel, and the partial ROC AUC over false-alarm rates 0-1 %% "
                       "divided by 0.01 (1 = perfect, 0.005 = chance).",
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
        print_table(rows, document)
    if args.plot:
        for path in plot_roc_curves(curves, args.plot, inputs, args.overwrite):
            messages.debug(f"wrote {path}")
    return 0


def print_table(rows, document) -> None:
    """The terminal table: one line per scene and method, then the per-scene means."""
    from ..metrics import OPERATING_RATES
    low, high = OPERATING_RATES
    print(f"{'scene':24s} {'method':10s} {'AUC':>7s} {'AUC(Pd,t)':>9s} {'AUC(Pf,t)':>9s} "
          f"{'SNPR':>7s} {'pAUC1%':>7s} {'px@0.1%':>7s} {'obj@0.1%':>8s} {'px@1%':>7s} "
          f"{'obj@1%':>7s} {'seconds':>8s}")
    for r in rows:
        a, b = r.at(low), r.at(high)
        print(f"{r.scene[:24]:24s} {r.method:10s} {r.auc_roc:7.4f} {r.auc_pd_tau:9.4f} "
              f"{r.auc_pf_tau:9.4f} {r.snpr:7.2f} {r.partial_auc:7.4f} {a['pixels_found']:7.3f} "
              f"{a['objects_found']:>4d}/{a['objects']:<3d} {b['pixels_found']:7.3f} "
              f"{b['objects_found']:>3d}/{b['objects']:<3d} {r.seconds:8.2f}")
    for method, mean in document["mean_auc_roc"].items():
        at = document["mean_operating_points"][method]
        print(f"mean AUC {method}: {mean:.4f} over {sum(r.method == method for r in rows)} scenes; "
              f"per-scene means: objects found {at[f'object_share_at_{low:g}']:.3f} at "
              f"{100 * low:g} % and {at[f'object_share_at_{high:g}']:.3f} at {100 * high:g} %, "
              f"pixels {at[f'pixels_found_at_{low:g}']:.3f} / {at[f'pixels_found_at_{high:g}']:.3f}, "
              f"partial AUC {at['partial_auc']:.4f}")
