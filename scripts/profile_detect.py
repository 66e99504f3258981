"""Where `hsad detect` spends its time: a cProfile of one run with the tile threads off.

    .venv/bin/python scripts/profile_detect.py SCENE [--method twobranch] [--top 40]

The command overlaps reading, features and scores on threads, which a profiler of the main
thread cannot see; here every tile is read and computed in turn on one thread, so the
cumulative times add up (the run takes longer than the command does). The benchmark cubes of
`make bench-speed` are in build/bench-speed/.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scene")
    parser.add_argument("--method", default="twobranch")
    parser.add_argument("--top", type=int, default=40, help="functions listed (cumulative time)")
    args = parser.parse_args()
    import hsad.engine.scoring as scoring
    from hsad.engine.cli.main import main as hsad

    def one_thread(items, work, workers=1):
        return ((item, work(item)) for item in items)

    scoring.read_ahead = one_thread
    with tempfile.TemporaryDirectory() as work:
        argv = ["detect", args.scene, "-o", os.path.join(work, "scores.tif"), "--method",
                args.method, "-q", "--no-style"]
        profile = cProfile.Profile()
        started = time.perf_counter()
        code = profile.runcall(hsad, argv)
        print(f"hsad detect ({args.method}, one thread): {time.perf_counter() - started:.2f} s, "
              f"exit {code}")
    pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
