"""The output rules the corpus cannot show as refusals: what --overwrite replaces, and what it
takes with it."""
from __future__ import annotations

import os

from harness import run_in_process
from makers import tif, varied_cube


def test_overwrite_takes_the_old_statistics_side_car_with_it(tmp_path, capfd):
    scene = tif(tmp_path, "a.tif")
    out = tmp_path / "out.tif"
    assert run_in_process(["detect", scene, "-o", out, "--method", "rx", "-q"], capfd).code == 0
    stale = tmp_path / "out.tif.aux.xml"  # what QGIS writes after computing statistics
    stale.write_text("<PAMDataset><Metadata><MDI key='STATISTICS_MAXIMUM'>99</MDI></Metadata>"
                     "</PAMDataset>")
    other = tif(tmp_path, "b.tif", varied_cube(seed=7))
    outcome = run_in_process(["detect", other, "-o", out, "--method", "rx", "--overwrite", "-q"],
                             capfd)
    assert outcome.code == 0, outcome.stderr
    assert not stale.exists()
    assert not [p for p in os.listdir(tmp_path) if "partial" in p]


def test_an_envi_output_replaces_its_own_header_with_overwrite(tmp_path, capfd):
    scene = tif(tmp_path, "a.tif")
    out = tmp_path / "out.img"
    for extra in ([], ["--overwrite"]):
        outcome = run_in_process(["detect", scene, "-o", out, "--method", "rx", "-q"] + extra,
                                 capfd)
        assert outcome.code == 0, outcome.stderr
    assert sorted(os.listdir(tmp_path)) == ["a.tif", "out.hdr", "out.img", "out.img.aux.xml",
                                            "out.qml"]  # GDAL keeps hsad's metadata in .aux.xml


def test_a_long_output_name_is_written_under_a_short_temporary_name(tmp_path, capfd):
    scene = tif(tmp_path, "a.tif")
    out = tmp_path / ("long" * 61 + ".tif")  # 248 bytes: with a temporary tag, more than 255
    assert run_in_process(["detect", scene, "-o", out, "--method", "rx", "-q"], capfd).code == 0
    assert out.exists() and out.with_suffix(".qml").exists()
