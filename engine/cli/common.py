"""What the subcommands share: options, progress bars, messages and JSON output."""
from __future__ import annotations

import argparse
import json
import sys
from contextlib import contextmanager
from typing import Iterator, Optional, Sequence

from ..errors import HsadError

# More bands than any imaging spectrometer has: a --bands list longer than this is a typo, and
# expanding it (1-2000000000) would exhaust memory before any file is opened.
MAX_BANDS = 100000
# Tiles bound memory; a side beyond this is a typo (the whole scene in one tile, at best).
MAX_TILE_SIZE = 65536


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
                if hi - lo >= MAX_BANDS:
                    raise HsadError(f"--bands: '{part}' is more bands than any file holds (at "
                                    f"most {MAX_BANDS})")
                bands.extend(range(lo, hi + 1))
            elif part:
                bands.append(int(part))
        except ValueError:
            raise HsadError(f"--bands: '{part}' is not a band number or range like 1-50") from None
        if len(bands) > MAX_BANDS:
            raise HsadError(f"--bands: more than {MAX_BANDS} bands listed")
    seen: set = set()
    for band in bands:
        if band in seen:  # a band twice makes the covariance singular and weighs it double
            raise HsadError(f"--bands: band {band} is listed twice")
        seen.add(band)
    return bands


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (a usage error, exit 2, otherwise)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not at least 1")
    return value


def tile_size(text: str) -> int:
    """An argparse type: a tile side from 1 to MAX_TILE_SIZE pixels."""
    value = positive_int(text)
    if value > MAX_TILE_SIZE:
        raise argparse.ArgumentTypeError(f"{value} is above the maximum {MAX_TILE_SIZE} (tiles "
                                         "bound memory)")
    return value


def worker_count(text: str) -> int:
    """An argparse type: local worker processes, at most four per CPU (each holds a scene)."""
    import os
    value = positive_int(text)
    most = 4 * (os.cpu_count() or 1)
    if value > most:
        raise argparse.ArgumentTypeError(f"{value} is more than {most} (4 per CPU of this "
                                         "machine); each worker is a process holding a scene")
    return value


def finite_float(text: str) -> float:
    """An argparse type: a finite number (nan, inf and 1e999 mean nothing as a value)."""
    import math
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"'{text}' is not a finite number")
    return value


def add_method_options(parser: argparse.ArgumentParser, multiple: bool = False) -> None:
    """--method, --device, --tile-size and every method's own options (from the registry)."""
    from ..accelerator import DEVICES
    from ..methods import DEFAULT_METHOD, all_options, detector_class, method_names
    from ..scoring import DEFAULT_TILE_SIZE
    names = method_names()
    described = "; ".join(f"{n}: {detector_class(n).label}, {detector_class(n).summary}"
                          for n in names)
    if multiple:
        parser.add_argument("--method", action="append", choices=names, dest="methods",
                            help=f"detector (repeat to compare several; default: rx and "
                            f"{DEFAULT_METHOD}). {described}")
    else:
        parser.add_argument("--method", default=DEFAULT_METHOD, choices=names,
                            help=f"detector (default: {DEFAULT_METHOD}). {described}")
    parser.add_argument("--device", default="auto", choices=DEVICES,
                        help="where networks run: cpu (numpy), cuda (PyTorch on a GPU), or auto "
                        "(cuda when a GPU and PyTorch are both present) [auto]")
    for option in all_options():
        kind = {"int": int, "float": finite_float}.get(option.kind, str)
        extra = {"choices": list(option.choices)} if option.kind == "choice" else {}
        default = f" (default {option.default})" if option.default is not None else ""
        parser.add_argument(option.cli_flag, dest=option.name, type=kind,
                            metavar=None if option.choices else option.kind.upper(),
                            help=f"{option.help}{default}", **extra)
    parser.add_argument("--tile-size", type=tile_size, default=DEFAULT_TILE_SIZE,
                        help=f"pixels per tile side; bounds memory (default {DEFAULT_TILE_SIZE})")


def method_option_values(args: argparse.Namespace) -> dict:
    """The method options given on the command line (the ones left out take defaults)."""
    from ..methods import all_options
    return {o.name: getattr(args, o.name) for o in all_options()
            if getattr(args, o.name, None) is not None}


def add_band_options(parser: argparse.ArgumentParser) -> None:
    """--bands and --keep-bad-bands, for the commands that write score rasters."""
    parser.add_argument("--bands", help="1-based bands to use, e.g. 1-100,120-180 "
                        "(default: all good bands)")
    parser.add_argument("--keep-bad-bands", action="store_true",
                        help="also use bands the file flags as bad (ENVI bbl)")
    add_nodata_option(parser)


def add_nodata_option(parser: argparse.ArgumentParser) -> None:
    """--nodata, for every command that reads scenes."""
    parser.add_argument("--nodata", type=finite_float, metavar="VALUE",
                        help="a raw file value that also means nodata in any band, for files "
                        "that fill with it without declaring it (e.g. -9999)")


def add_scene_options(parser: argparse.ArgumentParser) -> None:
    """--aoi, --aoi-crs, --exclude, --quality-masks, --wavelengths, --sensor-grid."""
    from ..scenes.options import QUALITY_LAYERS
    group = parser.add_argument_group("area, masks and bands of the scene")
    group.add_argument("--aoi", metavar="AREA",
                       help="only this area is read, scored and written (a crop of the scene's "
                       "grid): xmin,ymin,xmax,ymax in the scene's CRS (or --aoi-crs), or a "
                       "polygon layer (file.gpkg, file.shp, 'file.gpkg|layername=NAME'), whose "
                       "outside is also excluded; pixels count when their centre is inside. "
                       "Write --aoi=-10,... when it starts with a minus")
    group.add_argument("--aoi-crs", metavar="CRS", default="",
                       help="the CRS of an --aoi extent, e.g. EPSG:4326 (default: the scene's)")
    group.add_argument("--exclude", metavar="FILE", action="append", default=[],
                       help="pixels to leave out (nodata in the score, out of every statistic): "
                       "a raster mask (non-zero = exclude; on the scene's grid, or resampled "
                       "nearest-neighbour onto it) or a polygon layer; repeat for several")
    group.add_argument("--quality-masks", metavar="LAYERS", nargs="?", const="default",
                       help="exclude the product's own quality layers (EnMAP L2A, EMIT L2A mask "
                       "granule, DESIS L2A, PRISMA Cloud_Mask); alone: clouds, cloud shadow, "
                       "haze, snow, cirrus (and EMIT's spacecraft and dilated-cloud flags); or "
                       f"a list from {','.join(QUALITY_LAYERS)} (default,water adds water)")
    group.add_argument("--wavelengths", metavar="FILE",
                       help="the band wavelengths when the file lost them: an ENVI header, a "
                       "CSV or band table (one band a row), or a raster that has them (an "
                       "original tile of a mosaic); checked against the band count")
    group.add_argument("--sensor-grid", action="store_true",
                       help="read an EMIT granule on its sensor grid (downtrack x crosstrack, "
                       "no georeference) instead of ortho-correcting it through its GLT")


def scene_options(args: argparse.Namespace):
    """The engine's SceneOptions from the options of add_scene_options (defaults when absent)."""
    from ..scenes.options import SceneOptions, parse_area, parse_quality
    area = getattr(args, "aoi", None)
    return SceneOptions(area=parse_area(area) if area else None,
                        area_crs=getattr(args, "aoi_crs", "") or "",
                        exclude=tuple(getattr(args, "exclude", None) or ()),
                        quality=parse_quality(getattr(args, "quality_masks", None)),
                        wavelengths=getattr(args, "wavelengths", None),
                        sensor_grid=bool(getattr(args, "sensor_grid", False)))


def detect_parameters(args: argparse.Namespace):
    """The engine's DetectParameters from the options of add_method_options/add_band_options."""
    from ..pipeline import DetectParameters
    return DetectParameters(method=args.method, bands=parse_band_list(args.bands),
                            drop_bad_bands=not args.keep_bad_bands, tile_size=args.tile_size,
                            device=args.device, nodata=args.nodata,
                            options=method_option_values(args), scene=scene_options(args))


class Messages:
    """Progress bars and info lines that respect -q/-v and stay off when stderr is not a terminal."""

    def __init__(self, args: argparse.Namespace):
        self.quiet = getattr(args, "quiet", False)
        self.verbose = getattr(args, "verbose", False)
        self._bar = None

    def info(self, text: str) -> None:
        if not self.quiet:
            self.always(text)

    def debug(self, text: str) -> None:
        if self.verbose and not self.quiet:
            self.always(text)

    def always(self, text: str) -> None:
        """A line on stderr even with -q (for failures), above the progress bar if one is drawn."""
        if self._bar is not None:
            self._bar.write(text, file=sys.stderr)
        else:
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

        self._bar = bar
        try:
            yield update
        finally:
            self._bar = None
            bar.close()


def check_json(target: Optional[str], inputs: Sequence[str] = (),
               overwrite: bool = False) -> None:
    """Refuse a --json target that would replace an input or an existing file, before any work
    ('-', /dev/stdout and other streams are written in place: see engine/outputs/streams.py)."""
    if not target:
        return
    from ..outputs.streams import check_stream, stream_of
    fd = stream_of(target)
    if fd is not None:
        check_stream(target, fd)
        return
    from ..outputs.staging import check_target
    check_target(target, list(inputs), overwrite)


def json_to_stdout(target: Optional[str]) -> bool:
    """Whether --json sends the JSON to standard output ('-', /dev/stdout): the text report is
    then left out, so the output stays JSON."""
    from ..outputs.streams import stream_of
    return stream_of(target) == 1


def write_json(payload, target: Optional[str], inputs: Sequence[str] = (),
               overwrite: bool = False) -> None:
    """Write JSON to a file (by the staging rule), or in place to a stream ('-' = stdout)."""
    if not target:
        return
    from ..outputs.streams import stream_of, write_stream
    fd = stream_of(target)
    if fd is not None:
        write_stream(target, fd, json.dumps(payload, indent=2, default=_plain) + "\n")
        return
    from ..outputs.staging import write_json as write
    write(target, payload, inputs, overwrite, default=_plain)


def _plain(value):
    import numpy as np
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)
