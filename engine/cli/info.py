"""``hsad info``: what hsad sees in a scene, before anything is computed."""
from __future__ import annotations

import argparse

from .common import add_scene_options, check_json, json_to_stdout, scene_options, write_json


def add_parser(sub, common) -> None:
    p = sub.add_parser("info", parents=[common], help="describe a scene",
                       description="Print a scene's size, bands, data type, wavelengths, bad "
                       "bands, nodata and coordinate system, as hsad reads them.",
                       epilog="example:\n  hsad info scene.bsq --json -",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scene", help="input scene (the ENVI data file, not the .hdr)")
    p.add_argument("--keep-bad-bands", action="store_true", help="count bands flagged bad as used")
    p.add_argument("--json", metavar="OUT", help="write the description as JSON ('-' = stdout)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --json file")
    add_scene_options(p)
    p.set_defaults(run=run)


def describe(path: str, drop_bad_bands: bool = True, options=None) -> dict:
    """A plain-data description of a scene (what `hsad info` prints)."""
    from ..pipeline import missing_wavelengths_notice
    from ..scenes.quality import product_quality_layers
    from ..scenes.raster import open_scene
    with open_scene(path, drop_bad_bands=drop_bad_bands, options=options) as scene:
        info = scene.info
        record = scene.record() if hasattr(scene, "record") else None
        quality = {name: label for name, (label, _) in product_quality_layers(scene).items()}
        wl = info.file_spectral.wavelengths_nm
        good = info.file_spectral.good_bands
        return {
            "path": info.path, "driver": info.driver, "rows": info.rows, "cols": info.cols,
            "bands": info.file_bands, "bands_used": info.bands, "data_type": info.dtype,
            "interleave": info.interleave or None, "nodata": info.nodata, "scale": info.scale,
            "scale_note": info.scale_note or None,
            "wavelength_range_nm": [float(wl.min()), float(wl.max())] if wl is not None else None,
            "wavelength_units": info.file_spectral.units_source or None,
            "bad_bands": [int(i) + 1 for i in range((len(good))) if not good[i]] if good is not None else [],
            "dropped_bands": {k: [b + 1 for b in v] for k, v in info.dropped_bands.items()},
            "crs": _crs_name(info.crs_wkt), "geotransform": list(info.geotransform),
            "quality_layers": quality, "selection": record,
            "notice": missing_wavelengths_notice(info) or None,
        }


def run(args) -> int:
    check_json(args.json, [args.scene], args.overwrite)
    d = describe(args.scene, drop_bad_bands=not args.keep_bad_bands,
                 options=scene_options(args))
    if args.json:
        write_json(d, args.json, [args.scene], args.overwrite)
        if json_to_stdout(args.json):  # the JSON is the output; with a file, the text too
            return 0
    wl = d["wavelength_range_nm"]
    lines = [
        f"scene       {d['path']} ({d['driver']}{', ' + d['interleave'] if d['interleave'] else ''})",
        f"size        {d['rows']} rows x {d['cols']} columns x {d['bands']} bands "
        f"({d['bands_used']} used), {d['data_type']}",
        "wavelengths " + (f"{wl[0]:.1f} - {wl[1]:.1f} nm ({d['wavelength_units']})" if wl
                          else "none in the file (bands are placed by position)"),
        f"bad bands   {_ranges(d['bad_bands']) or 'none flagged'}",
        f"dropped     " + ("; ".join(f"{k}: {_ranges(v)}" for k, v in d["dropped_bands"].items())
                           or "none"),
        f"nodata      {d['nodata'] if d['nodata'] is not None else 'none declared'}",
        f"scale       {d['scale'] if d['scale'] is not None else d['scale_note'] or 'none'}",
        f"crs         {d['crs'] or 'none'}",
        f"geotransform {d['geotransform']}",
        "quality     " + (", ".join(d["quality_layers"]) + " (--quality-masks)"
                          if d["quality_layers"] else "no quality layers found beside the file"),
    ]
    if d["selection"]:
        from ..scenes.selection import describe_record
        lines += [f"selection   {line}" for line in describe_record(d["selection"])]
    if d["notice"]:
        lines.append(f"note        {d['notice']}")
    print("\n".join(lines))
    return 0


def _crs_name(wkt: str) -> str:
    if not wkt:
        return ""
    from osgeo import osr
    srs = osr.SpatialReference()
    if srs.ImportFromWkt(wkt) != 0:
        return "unparsed WKT"
    code = srs.GetAuthorityCode(None)
    name = srs.GetName() or "unnamed"
    return f"{name} ({srs.GetAuthorityName(None)}:{code})" if code else f"{name} (no EPSG code)"


def _ranges(numbers: list) -> str:
    """[1, 2, 3, 7] -> '1-3, 7'."""
    out, start = [], None
    for i, n in enumerate(numbers):
        if start is None:
            start = n
        if i + 1 == len(numbers) or numbers[i + 1] != n + 1:
            out.append(f"{start}-{n}" if n != start else f"{n}")
            start = None
    return ", ".join(out)
