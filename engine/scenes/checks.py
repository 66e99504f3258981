"""What a file declares against what it holds, and what a run would need, checked up front.

A small hostile file must not make hsad hang, allocate gigabytes or score garbage: a FIFO or a
device never ends, a header can declare a terabyte that the file does not hold, a container
can declare arrays larger than memory, a scene can be too small or too flat to have anomalies,
and values can be mangled by a wrong byte order or a lossy conversion. Every check here runs
before the allocation or the work it protects, and fails with one line naming the file.
"""
from __future__ import annotations

import os
import re
import stat
from typing import Optional

import numpy as np

from ..errors import InputError

# Exact integers float32 holds: the cube every detector sees is float32.
FLOAT32_EXACT_INTEGERS = 2 ** 24
# The most a DEFLATE or LZW stream (TIFF, MATLAB v5, HDF5 gzip) expands: about 1032:1. ZSTD,
# LZMA or LERC expand a constant further, but no real scene compresses 2000:1 (it would be
# 99.95 % one value), nor does a file system compress one that far: a file declaring more than
# 2000 times the bytes it holds on disk holds nothing for most of what it declares.
MAX_EXPANSION = 2000.0
# Values a float file never holds unless its byte order is wrong (or they are one fill value).
ABSURD_LARGE, ABSURD_SMALL = 1.0e30, 1.0e-30
# The range hsad computes in (float32): typical values outside it lose their precision
# (below) or overflow (above) in the statistics every detector needs.
FLOAT32_MAX = float(np.finfo(np.float32).max)
TYPICAL_SMALLEST, TYPICAL_LARGEST = 1.0e-30, 1.0e30


def file_kind(path: str) -> str:
    """'' for a regular file (or a link to one); otherwise what it is, in words."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return ""
    if stat.S_ISREG(mode):
        return ""
    for test, name in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a regular file"


def check_regular_file(path: str, what: str = "") -> list:
    """Refuse what would never end or block when read (FIFOs, devices, sockets), for the file
    and everything reading it opens (:mod:`.reach`); returns the files it reaches. ``what``
    says what the file is for, in the message (" (pixels to exclude)")."""
    from .reach import check_reach
    return check_reach(path, what).files


def allocated_bytes(path: str) -> int:
    """Bytes a file really holds on disk: a sparse file's holes hold nothing (st_blocks), a
    regular file holds its size."""
    try:
        status = os.stat(path)
    except OSError:
        return 0
    blocks = getattr(status, "st_blocks", None)
    return status.st_size if blocks is None else min(status.st_size, blocks * 512)


def check_declared_bytes(path: str, declared: int, held: int, compressed: bool,
                         what: str, on_disk: bool = False) -> None:
    """Refuse a file that declares far more data than it holds (``what`` says the shape;
    ``on_disk``: ``held`` counts the bytes allocated, so a sparse file's holes hold nothing)."""
    if declared <= 0:
        return
    limit = held * MAX_EXPANSION if compressed else held
    if declared > limit:
        where = " on disk" if on_disk else ""
        raise InputError(f"{path}: declares {what} ({format_bytes(declared)}) but holds "
                         f"{format_bytes(held)}{where}; the file is damaged or not what it says")


def check_fits_in_memory(path: str, needed: int, what: str, advice: str = "") -> None:
    """Refuse work whose memory (``needed`` bytes) exceeds what this process can have."""
    available = available_memory()
    if available is not None and needed > available:
        raise InputError(f"{path}: {what} needs about {format_bytes(needed)} of memory, more than "
                         f"the {format_bytes(available)} available" + (f"; {advice}" if advice
                                                                         else ""))


def available_memory() -> Optional[int]:
    """Bytes this process can still allocate: the least of free memory, the address-space limit
    (ulimit -v) and the container's limit; None when none of them is known."""
    limits = []
    meminfo = _read_key_values("/proc/meminfo")
    if "MemAvailable" in meminfo:
        limits.append(meminfo["MemAvailable"] * 1024)
    try:
        import resource
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            used = _read_key_values("/proc/self/status").get("VmSize", 0) * 1024
            limits.append(max(soft - used, 0))
    except (ImportError, OSError, ValueError):
        pass
    cgroup = _cgroup_headroom()
    if cgroup is not None:
        limits.append(cgroup)
    return min(limits) if limits else None


def _read_key_values(path: str) -> dict:
    """'Key:   123 kB' lines as {Key: 123}."""
    out = {}
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            for line in handle:
                key, _, rest = line.partition(":")
                number = rest.split()
                if number and number[0].isdigit():
                    out[key.strip()] = int(number[0])
    except OSError:
        pass
    return out


def _cgroup_headroom() -> Optional[int]:
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as handle:
            limit = handle.read().strip()
        if limit == "max":
            return None
        with open("/sys/fs/cgroup/memory.current", encoding="ascii") as handle:
            current = int(handle.read().strip())
        return max(int(limit) - current, 0)
    except (OSError, ValueError):
        return None


def format_bytes(count: float) -> str:
    """1536 -> '1.5 KB' (powers of 1024, as file managers show them)."""
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if abs(count) < 1024 or unit == "PB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024.0
    return f"{count:.1f} PB"


def check_integer_precision(raw: np.ndarray, path: str) -> None:
    """Refuse integers float32 would merge (32- and 64-bit counts beyond 2**24)."""
    if raw.dtype.kind not in "iu" or raw.dtype.itemsize < 4 or raw.size == 0:
        return
    largest = max(abs(int(raw.min())), abs(int(raw.max())))
    if largest > FLOAT32_EXACT_INTEGERS:
        raise InputError(f"{path}: holds {raw.dtype} values up to {largest}, beyond the "
                         f"{FLOAT32_EXACT_INTEGERS} float32 keeps exact, so nearby values would "
                         "be merged; rescale the file (e.g. gdal_translate -scale) first")


def check_float_range(raw: np.ndarray, path: str) -> None:
    """Refuse float64 values beyond float32's range: they would become infinite, that is
    nodata, and the pixel holding them (often the anomaly) would vanish from the scores."""
    if raw.dtype != np.float64 or raw.size == 0:
        return
    with np.errstate(invalid="ignore"):
        largest = np.nanmax(np.where(np.isfinite(raw), np.abs(raw), 0.0))
    if largest > FLOAT32_MAX:
        raise InputError(f"{path}: holds values up to {largest:.3g}, beyond the {FLOAT32_MAX:.3g} "
                         "float32 holds (hsad computes in float32); rescale the file (e.g. "
                         "gdal_translate -scale) first")


def check_typical_magnitude(values: np.ndarray, path: str) -> None:
    """Refuse a scene whose typical value (the median magnitude of a sample of valid, nonzero,
    scaled values) lies outside 1e-30..1e30: below, float32 loses the values' precision (a
    denormal-scaled scene would score as all nodata); above, its statistics overflow."""
    typical = float(np.median(values))
    if TYPICAL_SMALLEST <= typical <= TYPICAL_LARGEST:
        return
    side = "below" if typical < TYPICAL_SMALLEST else "above"
    raise InputError(f"{path}: its values are around {typical:.3g}, {side} the "
                     f"{TYPICAL_SMALLEST:g} to {TYPICAL_LARGEST:g} that hsad computes in "
                     "reliably (float32); rescale the file (or fix its scale factor) first")


def check_scaling(path: str, scales: list, divisor: float) -> None:
    """Refuse scale factors that would turn every value into zero or infinity (a reflectance
    scale factor of 1e-320, a band gain of 1e300)."""
    if not np.isfinite(divisor) or not TYPICAL_SMALLEST <= abs(divisor) <= TYPICAL_LARGEST:
        raise InputError(f"{path}: the reflectance scale factor {divisor:g} is not a usable "
                         "divisor (reflectance files give e.g. 10000); fix the header")
    for band, (scale, offset) in enumerate(scales, start=1):
        if not (np.isfinite(scale) and np.isfinite(offset)) or \
                not TYPICAL_SMALLEST <= abs(scale) <= TYPICAL_LARGEST or \
                abs(offset) > TYPICAL_LARGEST:
            raise InputError(f"{path}: band {band} has scale {scale:g} and offset {offset:g}, "
                             "which no value survives in float32; fix the file's scale factors")


def check_byte_order(values: np.ndarray, path: str, declared: str) -> None:
    """Refuse float values that only a wrong byte order produces (many distinct values near
    1e38 or 1e-38, where real data and single fill values never are)."""
    if values.dtype.kind != "f":
        return
    finite = np.abs(values[np.isfinite(values) & (values != 0)])
    if finite.size < 8:
        return
    absurd = finite[(finite > ABSURD_LARGE) | (finite < ABSURD_SMALL)]
    if np.unique(absurd).size >= 3 and absurd.size > 0.05 * finite.size:
        said = f"says byte order = {declared}" if declared else "gives no byte order"
        raise InputError(f"{path}: values such as {absurd.max():.3g} and {absurd.min():.3g} are "
                         f"what a wrong byte order gives (the header {said}); fix the header's "
                         "'byte order'")


def check_pixels_for_bands(path: str, pixels: int, bands: int, valid: bool = False) -> None:
    """Refuse a scene with no more (valid) pixels than bands: no background to compare with."""
    kind = "valid pixel" if valid else "pixel"
    if pixels <= 1:
        raise InputError(f"{path}: the scene has no variation ({pixels} {kind}"
                         f"{'' if pixels == 1 else 's'}); nothing can stand out from a background")
    if pixels <= bands:
        raise InputError(f"{path}: the scene has {pixels} {kind}s for {bands} bands: too few to "
                         "describe a background; select fewer bands (--bands) or a larger scene")


def no_variation(path: str) -> InputError:
    return InputError(f"{path}: the scene has no variation (every valid pixel has the same "
                      "spectrum); nothing can stand out from a background")


def header_field(text: str, key: str) -> Optional[str]:
    """The raw value of a one-line ENVI header field (``lines = 512`` -> '512'), or None."""
    found = re.search(rf"^[ \t]*{re.escape(key)}[ \t]*=[ \t]*([^\r\n]*)", text,
                      re.IGNORECASE | re.MULTILINE)
    return found.group(1).strip() if found else None


def header_number(text: str, key: str) -> Optional[int]:
    """An integer ENVI header field (``lines = 512``), or None when absent or not a number."""
    raw = header_field(text, key)
    if raw is None or not re.fullmatch(r"[-+]?\d+", raw):
        return None
    return int(raw)
