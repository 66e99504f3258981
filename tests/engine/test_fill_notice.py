"""A fill value the file does not declare (every band reaching -9999) is pointed out, with the
option that fixes it; nothing is said when the file or the user declares it."""
from __future__ import annotations

import numpy as np

from hsad.engine.pipeline import DetectParameters, detect_scene
from support import run_hsad, scene_with_targets, write_cube


def _cube(fill=-9999.0):
    cube, _ = scene_with_targets(rows=30, cols=26, bands=12, seed=5, targets=((8, 9),))
    cube = cube.astype(np.float32)
    cube[:3] = fill
    return cube


def test_an_undeclared_fill_value_is_pointed_out(tmp_path):
    src = write_cube(tmp_path / "s.tif", _cube())
    result = detect_scene(src, str(tmp_path / "o.tif"), DetectParameters(method="rx"))
    assert len(result.notices) == 1
    assert "reaches -9999" in result.notices[0] and "--nodata -9999" in result.notices[0]
    assert src in result.notices[0]


def test_nothing_is_said_when_the_fill_is_declared_or_absent(tmp_path):
    declared = write_cube(tmp_path / "d.tif", _cube(), nodata=-9999.0)
    undeclared = write_cube(tmp_path / "u.tif", _cube())
    clean, _ = scene_with_targets(rows=30, cols=26, bands=12, seed=5, targets=((8, 9),))
    plain = write_cube(tmp_path / "p.tif", clean)
    runs = [(declared, DetectParameters(method="rx")),
            (undeclared, DetectParameters(method="rx", nodata=-9999.0)),
            (plain, DetectParameters(method="rx"))]
    for i, (src, params) in enumerate(runs):
        assert detect_scene(src, str(tmp_path / f"o{i}.tif"), params).notices == []


def test_a_high_fill_value_is_pointed_out_too(tmp_path):
    src = write_cube(tmp_path / "s.tif", _cube(fill=65535.0))
    result = detect_scene(src, str(tmp_path / "o.tif"), DetectParameters(method="rx"))
    assert "--nodata 65535" in result.notices[0]


def test_the_command_line_shows_the_notice_unless_quiet(tmp_path):
    src = write_cube(tmp_path / "s.tif", _cube())
    shown = run_hsad(["detect", src, "-o", tmp_path / "a.tif", "--method", "rx"])
    assert shown.returncode == 0 and "note: every band" in shown.stderr
    quiet = run_hsad(["detect", src, "-o", tmp_path / "b.tif", "--method", "rx", "-q"])
    assert quiet.returncode == 0 and "note:" not in quiet.stderr
