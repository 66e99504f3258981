"""``hsad``: hyperspectral anomaly detection from the command line, without QGIS.

Exit codes: 0 success, 1 a run failed, 2 bad usage or bad input, 130 interrupted.
Errors are one line on stderr; ``-v`` adds the traceback.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import traceback
from typing import Optional, Sequence

from ...version import __version__
from ..errors import Cancelled, HsadError
from . import batch, detect, doctor, evaluate, info, target, threshold, train
from .process import keep_large_blocks, leave_a_core_for_reading, quiet_libtiff

COMMANDS = (detect, threshold, batch, target, evaluate, info, train, doctor)
EXAMPLES = """examples:
  hsad detect scene.bsq -o scene_score.tif                 pretrained detector (default)
  hsad detect scene.tif -o rx.tif --method rx              classical global RX
  hsad threshold scene_score.tif -o mask.tif --objects objects.gpkg
  hsad batch flights/ -o scores/ --pattern '*.bsq' --workers 2
  hsad target scene.bsq -o like3.tif --objects objects.gpkg --object-id 3
  hsad evaluate abu-airport-2.mat --method rx --method twobranch --json -
  hsad info scene.bsq
  hsad doctor
"""


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line (exit 2), like every other error."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())} "
                     f"(see {self.prog} --help)\n")


def build_parser(command: Optional[str] = None) -> argparse.ArgumentParser:
    """The whole parser, or with ``command`` (a command's name) that command's alone: each
    command's options import what they list (methods, rules), and a run needs only its own
    (``hsad target`` starts about 0.1 s sooner)."""
    parser = OneLineParser(
        prog="hsad", description="Hyperspectral anomaly detection: score every pixel of a "
        "hyperspectral scene by how unusual it is.", epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"hsad {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true", help="no progress bar or messages")
    common.add_argument("-v", "--verbose", action="store_true",
                        help="more messages, and the traceback of any error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        if command is None or command_name(module) == command:
            module.add_parser(sub, common)
    return parser


def command_name(module) -> str:
    return module.__name__.rsplit(".", 1)[-1]


# GDAL's block cache defaults to 5 % of the machine's memory; hsad reads each tile once per
# pass and keeps what it reuses itself, so a small cache costs no speed and caps memory.
DEFAULT_GDAL_CACHE_MIB = "128"


def main(argv: Optional[Sequence[str]] = None) -> int:
    os.environ.setdefault("GDAL_CACHEMAX", DEFAULT_GDAL_CACHE_MIB)  # unless the user set one
    keep_large_blocks()
    leave_a_core_for_reading()
    argv = list(sys.argv[1:] if argv is None else argv)
    named = argv[0] if argv and argv[0] in {command_name(m) for m in COMMANDS} else None
    parser = build_parser(named)
    if not argv:
        parser.print_help()
        return 2
    if argv[0] == "train":  # everything after it, --help included, belongs to the trainer
        args = parser.parse_args(["train"])
        args.args = argv[1:]
    else:
        args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    verbose = getattr(args, "verbose", False)
    if not verbose:
        quiet_libtiff()
    signal.signal(signal.SIGTERM, _interrupt)
    gdal_messages = _GdalMessages(verbose)
    try:
        return int(args.run(args) or 0)
    except HsadError as exc:
        if verbose:
            traceback.print_exc()
        print(f"hsad: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # `hsad ... | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (Cancelled, KeyboardInterrupt):
        print("hsad: interrupted; no half-written output is left at the output names",
              file=sys.stderr)
        return 130
    except Exception as exc:  # a bug or an environment problem: say it in one line
        if verbose:
            traceback.print_exc()
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"hsad: failed: {message} (run with -v for details)", file=sys.stderr)
        return 1
    finally:
        gdal_messages.close()


class _GdalMessages:
    """GDAL's own warnings and errors ("Warning 1: Unable to save auxiliary information ...")
    kept off the terminal: every failure already reaches the user as an exception turned into
    hsad's one-line message; with -v they are shown too."""

    def __init__(self, verbose: bool):
        from ..gdal_env import gdal
        self._verbose = verbose
        try:
            self._gdal = gdal()
        except ImportError:  # hsad doctor says how to install it
            self._gdal = None
            return
        self._gdal.PushErrorHandler(self._message)

    def _message(self, kind, number, text) -> None:
        if self._verbose:
            print(f"hsad: GDAL: {' '.join(str(text).split())}", file=sys.stderr)

    def close(self) -> None:
        if self._gdal is not None:
            self._gdal.PopErrorHandler()


def _interrupt(signum, frame) -> None:
    """SIGTERM (kill, job schedulers) stops as cleanly as Ctrl-C does."""
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
