"""``hsad batch``: score every scene in a folder, resumably, on this machine or a Dask cluster."""
from __future__ import annotations

import argparse
import os

from .common import (Messages, add_band_options, add_method_options, add_scene_options,
                     check_json,
                     detect_parameters, worker_count, write_json)
from .threshold import add_rule_options, rule_from

EXAMPLES = """output names:
  INPUT_DIR/<dir>/<name>.<ext> is scored into OUTPUT_DIR/<dir>/<name>_<method>.tif (plus a .qml
  style); two scenes of one folder with the same <name> keep their extension:
  <name>.<ext>_<method>.tif.
  A complete output is skipped, so running the same command again after an interruption finishes
  only what is missing. summary.csv and summary.json in OUTPUT_DIR list every scene.

scenes:
  without --pattern, every file GDAL reads as a raster (except pictures: .png, .jpg, ...) and
  every .mat file; with --pattern, every file whose name matches. Headers (.hdr), .aux.xml, .qml,
  hidden files, the quality layers of an EnMAP or DESIS product (<product>-QL_* beside its
  <product>-SPECTRAL_IMAGE.TIF), EMIT's mask, uncertainty and observation granules and rasters
  hsad wrote (by their HSAD_* metadata) are never scenes; the summary lists each raster passed
  over with the reason.

what is replaced:
  only what hsad provably wrote: its own score rasters (by their HSAD_* metadata), its own .qml
  styles, its own summaries. Any other file at an output name (a text file, a PDF, a damaged
  copy, a link) is left as it is and its scene reported, with --overwrite too.

exit code: 0 every scene done or already complete, 1 a scene failed, 2 bad usage or input folder,
  130 interrupted (Ctrl-C or SIGTERM; the summary lists what was done).

examples:
  hsad batch flights/ -o scores/ --method rx
  hsad batch flights/ -o scores/ --pattern '*.bsq' --recursive --workers 4
  hsad batch /data/campaign -o /data/scores --scheduler tcp://10.0.0.5:8786
  hsad batch flights/ -o scores/ --method rx --json - -q
  hsad batch flights/ -o scores/ --threshold --rate 0.01   also <name>_<method>_mask.tif and
                                                           <name>_<method>_objects.gpkg

a Dask cluster (workers need hsad: start them with the Python of hsad's environment):
  .venv/bin/python -m distributed.cli.dask_scheduler --host 0.0.0.0 --port 8786
  .venv/bin/python -m distributed.cli.dask_worker tcp://SCHEDULER:8786 --nworkers 4 --nthreads 1
"""


def add_parser(sub, common) -> None:
    p = sub.add_parser("batch", parents=[common], help="score every scene in a folder",
                       description="Score every scene of a folder (and its subfolders with "
                       "--recursive) into a mirrored folder of score rasters, skipping scenes "
                       "already done; one scene's failure does not stop the others.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input_dir", metavar="INPUT_DIR", help="folder of scenes")
    p.add_argument("-o", "--output", required=True, metavar="OUTPUT_DIR",
                   help="folder for the score rasters and the summary (created if needed)")
    p.add_argument("--pattern", metavar="GLOB",
                   help="only files whose name matches, e.g. '*.bsq' (quote it; a pattern with "
                   "'/' is matched against the path relative to INPUT_DIR)")
    p.add_argument("--recursive", action="store_true", help="also look in subfolders")
    add_method_options(p)
    add_band_options(p)
    add_scene_options(p)
    p.add_argument("--overwrite", action="store_true",
                   help="score every scene again, replacing existing outputs")
    p.add_argument("--no-style", action="store_true", help="do not write .qml style side-cars")
    p.add_argument("--workers", type=worker_count, metavar="N",
                   help="scenes scored at once by a local Dask cluster of N single-threaded "
                   "processes (default 1: one scene at a time in this process)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="send the scenes to an existing Dask cluster, e.g. tcp://host:8786; its "
                   "workers read and write the same paths, so give paths they see")
    p.add_argument("--threshold", action="store_true",
                   help="also turn each score into an anomaly mask and objects, as hsad threshold "
                   "does: <name>_<method>_mask.tif and <name>_<method>_objects.gpkg beside it "
                   "(the rule options below; rewritten whenever the score is)")
    add_rule_options(p, prefix="--threshold: ")
    p.add_argument("--json", metavar="OUT", help="also write the summary as JSON ('-' = stdout; "
                   "an existing file is replaced only when it is an hsad batch summary, or with "
                   "--overwrite)")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..batch import describe_passed_over, is_batch_summary, plan_folder, run_batch
    from ..errors import HsadError
    if args.scheduler and args.workers:
        raise HsadError("--workers sets the size of a local cluster; a cluster given with "
                        "--scheduler brings its own workers")
    messages = Messages(args)
    params = detect_parameters(args)
    rule = rule_from(args) if args.threshold else None
    if not args.scheduler:  # a missing torch or weights: one line now, not one failure per scene
        params.detector()
    plan = plan_folder(args.input_dir, args.output, params.method, args.pattern, args.recursive)
    jobs = plan.jobs
    if not jobs and plan.passed_over:
        raise HsadError(f"{args.input_dir}: no scene to score: "
                        f"{describe_passed_over(plan.passed_over)}")
    if not jobs:
        where = f"'{args.pattern}'" if args.pattern else "a raster"
        raise HsadError(f"{args.input_dir}: no file matches {where}"
                        + ("" if args.recursive else " (add --recursive to look in subfolders)"))
    protected = [j.scene for j in jobs] + [j.output for j in jobs]
    check_json(args.json, protected, args.overwrite or is_batch_summary(args.json))
    messages.info(f"{len(jobs)} scene(s) from {args.input_dir} to {args.output} ({args.method})")
    with messages.progress(f"{len(jobs)} scenes") as progress:
        summary = run_batch(jobs, args.output, params, overwrite=args.overwrite,
                            workers=args.workers or 1, scheduler=args.scheduler, progress=progress,
                            log=messages.info, debug=messages.debug,
                            input_dir=os.path.abspath(args.input_dir),
                            write_style=not args.no_style, passed_over=plan.passed_over,
                            threshold=rule)
    for record in summary.failed if messages.quiet else ():
        messages.always(f"{record.scene}: failed: {record.error}")
    messages.info(f"{summary.describe()}; summary in {os.path.join(args.output, 'summary.csv')}")
    write_json(summary.as_dict(), args.json, protected, True)
    return 0 if summary.ok else 1
