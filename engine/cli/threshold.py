"""``hsad threshold``: a score raster to an anomaly mask and outlined objects, as Processing does.

The rule options are shared with ``hsad batch --threshold``; both hand a
:class:`~hsad.engine.threshold.ThresholdRule` to the one engine function Processing calls too
(:func:`~hsad.engine.threshold.threshold_score_raster`), so the files are the same.
"""
from __future__ import annotations

import argparse

from .common import Messages, check_json, finite_float, positive_int, write_json

EXAMPLES = """rules:
  far         (default) a false-alarm rate: at most --rate of the valid pixels are flagged, so
              at most that share of the background; its highest --seed-share are seeds, grown
              into their connected neighbours within the same budget (whole objects); the
              budget counts the anomalies' own pixels, so crops dense with targets want 0.01
  auto        median + K robust standard deviations of the scores (--k)
  percentile  scores at or above --percentile of the valid scores
  value       scores at or above --value
  top         the --top objects with the highest peaks above --percentile

outputs:
  MASK: uint8 GeoTIFF (.tif) or ENVI (.img/.bsq) on the score's grid, 1 = anomaly, 0 =
  background, 255 = nodata. OBJECTS: one polygon per object (.gpkg, .shp, .geojson, .fgb, .csv)
  with object_id, pixels, area, peak_score, mean_score, centroid_x, centroid_y; object 1 has
  the highest peak. Both with a QGIS style beside them (.qml).

examples:
  hsad threshold scene_score.tif -o scene_mask.tif --objects scene_objects.gpkg
  hsad threshold scene_score.tif -o mask.tif --rate 0.01
  hsad threshold scene_score.tif --objects objects.gpkg --rule value --value 40 --json -
"""


def add_parser(sub, common) -> None:
    p = sub.add_parser("threshold", parents=[common], help="anomaly mask and objects of a score",
                       description="Turn an anomaly-score raster into a binary mask and a layer "
                       "of outlined anomaly objects, with the rules and files of QGIS's "
                       "'Anomaly mask and objects'.", epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("score", metavar="SCORE", help="score raster (band 1; higher = more unusual)")
    p.add_argument("-o", "--output", metavar="MASK", help="anomaly mask raster")
    p.add_argument("--objects", metavar="FILE", help="anomaly objects (polygons)")
    add_rule_options(p)
    p.add_argument("--overwrite", action="store_true",
                   help="replace existing outputs (and an existing --json file)")
    p.add_argument("--json", metavar="OUT", help="write the objects and the threshold as JSON "
                   "('-' = stdout)")
    p.set_defaults(run=run)


def add_rule_options(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    """The threshold rule's options (``prefix``: for a command where they are a side step)."""
    from ..threshold import (DEFAULT_FALSE_ALARM_RATE, DEFAULT_SEED_SHARE, RULES,
                             ThresholdRule)
    defaults = ThresholdRule()
    group = parser.add_argument_group(f"{prefix}threshold rule" if prefix else "threshold rule")
    group.add_argument("--rule", choices=RULES, default="far", help="how scores become "
                       "anomalies (default far; see the rules below)")
    group.add_argument("--rate", type=finite_float, default=DEFAULT_FALSE_ALARM_RATE,
                       help=f"far: the false-alarm rate (default {DEFAULT_FALSE_ALARM_RATE:g}: "
                       "one pixel in a thousand)")
    group.add_argument("--seed-share", type=finite_float, default=DEFAULT_SEED_SHARE,
                       help=f"far: the budget's share spent on seeds (default "
                       f"{DEFAULT_SEED_SHARE:g}; 1 flags the highest scores alone)")
    group.add_argument("--percentile", type=finite_float, default=defaults.percentile,
                       help=f"percentile and top: the percentile (default {defaults.percentile:g})")
    group.add_argument("--value", type=finite_float, help="value: the lowest anomalous score")
    group.add_argument("--top", type=positive_int, default=defaults.top_n, dest="top_n",
                       help=f"top: how many objects (default {defaults.top_n})")
    group.add_argument("--k", type=finite_float, default=defaults.robust_k,
                       help=f"auto: robust standard deviations (default {defaults.robust_k:g})")
    group.add_argument("--min-pixels", type=positive_int, default=defaults.min_pixels,
                       help="drop objects with fewer pixels (default 1)")
    group.add_argument("--no-diagonal", action="store_true",
                       help="pixels touching only at a corner are separate objects")


def rule_from(args: argparse.Namespace):
    """The ThresholdRule of the options (checked: one line for impossible settings)."""
    from ..threshold import ThresholdRule
    rule = ThresholdRule(kind=args.rule, false_alarm_rate=args.rate, seed_share=args.seed_share,
                         percentile=args.percentile, value=args.value, top_n=args.top_n,
                         robust_k=args.k, min_pixels=args.min_pixels,
                         diagonal=not args.no_diagonal)
    rule.check()
    return rule


def run(args) -> int:
    from ..errors import HsadError
    from ..threshold import threshold_score_raster
    if not (args.output or args.objects):
        raise HsadError("give the mask (-o MASK), the objects (--objects FILE) or both")
    rule = rule_from(args)
    messages = Messages(args)
    protected = [args.score] + [p for p in (args.output, args.objects) if p]
    check_json(args.json, protected, args.overwrite)
    with messages.progress("threshold") as progress:
        result = threshold_score_raster(args.score, args.output, args.objects, rule,
                                        overwrite=args.overwrite, progress=progress,
                                        log=messages.debug)
    messages.info(f"{args.score}: {result.rule}; {result.mask_pixels} of {result.valid_pixels} "
                  f"valid pixels in {len(result.objects)} objects"
                  + "".join(f"; wrote {p}" for p in (result.mask_path, result.objects_path) if p))
    write_json({"score": args.score, "mask": result.mask_path, "objects_file":
                result.objects_path, "rule": result.rule, "threshold": result.threshold,
                "low_threshold": result.low_threshold, "anomaly_pixels": result.mask_pixels,
                "valid_pixels": result.valid_pixels,
                "objects": [o.as_dict() for o in result.objects]},
               args.json, protected, args.overwrite)
    return 0
