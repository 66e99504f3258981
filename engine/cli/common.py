"""What the subcommands share: options, progress bars, messages and JSON output."""
from __future__ import annotations

import argparse
import json
import sys
from contextlib import contextmanager
from typing import Iterator, Optional

from ..errors import HsadError


def parse_band_list(text: Optional[str]) -> Optional[list]:
    """``"1-50,60,70-72"`` -> [1, ..., 50, 60, 70, 71, 72] (1-based, as QGIS and ENVI count)."""
    if not text:
        return None
    bands: list = []
    for part in text.split(","):
        part = part.strip()
        try:
            if "-" in part:
                lo, hi = (int(x) for x in part.split("-", 1))
                if hi < lo:
                    raise ValueError
                bands.extend(range(lo, hi + 1))
            elif part:
                bands.append(int(part))
        except ValueError:
            raise HsadError(f"--bands: '{part}' is not a band number or range like 1-50") from None
    return bands


def add_method_options(parser: argparse.ArgumentParser, multiple: bool = False) -> None:
    """--method, --device and the local RX windows, as every scoring command takes them."""
    from ..detectors import method_names
    if multiple:
        parser.add_argument("--method", action="append", choices=method_names(), dest="methods",
                            help="detector (repeat to compare several; default: rx and twobranch)")
    else:
        parser.add_argument("--method", default="twobranch", choices=method_names(),
                            help="detector (default: twobranch, the pretrained detector)")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"),
                        help="where the pretrained network runs (default: auto = cuda if available)")
    parser.add_argument("--inner", type=int, help="local RX guard window, odd (default 5)")
    parser.add_argument("--outer", type=int, help="local RX outer window, odd (default 21)")
    parser.add_argument("--tile-size", type=int, default=256,
                        help="pixels per tile side; bounds memory (default 256)")


class Messages:
    """Progress bars and info lines that respect -q/-v and stay off when stderr is not a terminal."""

    def __init__(self, args: argparse.Namespace):
        self.quiet = getattr(args, "quiet", False)
        self.verbose = getattr(args, "verbose", False)

    def info(self, text: str) -> None:
        if not self.quiet:
            print(text, file=sys.stderr)

    def debug(self, text: str) -> None:
        if self.verbose and not self.quiet:
            print(text, file=sys.stderr)

    @contextmanager
    def progress(self, label: str) -> Iterator:
        """A progress(fraction) -> True callback drawing a tqdm bar on a terminal."""
        if self.quiet or not sys.stderr.isatty():
            yield lambda fraction: True
            return
        from tqdm import tqdm
        bar = tqdm(total=1000, desc=label, unit="", bar_format="{desc}: {percentage:3.0f}%|{bar}| "
                   "{elapsed}<{remaining}", leave=False, file=sys.stderr)
        done = [0]

        def update(fraction: float) -> bool:
            step = int(fraction * 1000)
            if step > done[0]:
                bar.update(step - done[0])
                done[0] = step
            return True

        try:
            yield update
        finally:
            bar.close()


def write_json(payload, target: Optional[str]) -> None:
    """Write JSON to a file, or to stdout for '-'."""
    if not target:
        return
    text = json.dumps(payload, indent=2, default=_plain)
    if target == "-":
        print(text)
        return
    try:
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    except OSError as exc:
        raise HsadError(f"{target}: cannot write JSON ({exc.strerror})") from None


def _plain(value):
    import numpy as np
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)
