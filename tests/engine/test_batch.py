"""The folder batch engine (hsad.engine.batch): scene discovery, output names, completeness of
existing outputs, per-scene failures, cancel, and the summary files."""
from __future__ import annotations

import csv
import json
import os

import numpy as np
import pytest
from osgeo import gdal

from hsad.engine.batch import (CANCELLED, DONE, FAILED, SKIPPED, find_scenes, inspect_output,
                               plan_batch, plan_outputs, run_batch)
from hsad.engine.batch.existing import BROKEN, COMPLETE, DIFFERENT, FOREIGN, MISSING
from hsad.engine.errors import Cancelled, InputError
from hsad.engine.pipeline import DetectParameters
from support import dead_pid, partial_path, scene_with_targets, write_cube

RX = DetectParameters(method="rx")


def _scene(path, seed=0, driver="ENVI", **kwargs):
    cube, _ = scene_with_targets(rows=24, cols=20, bands=12, seed=seed,
                                 targets=((3, 4), (15, 11)))
    return write_cube(path, cube, driver=driver, **kwargs)


def _read(path):
    ds = gdal.Open(str(path))
    return ds.GetRasterBand(1).ReadAsArray()


@pytest.fixture
def campaign(tmp_path):
    """A folder as users have them: ENVI with and without extension, GeoTIFF, side-cars, notes."""
    root = tmp_path / "flights"
    (root / "day2").mkdir(parents=True)
    _scene(root / "line1.bsq", 1)
    _scene(root / "line2", 2)  # ENVI data file with no extension, header line2.hdr
    _scene(root / "line3.tif", 3, driver="GTiff")
    _scene(root / "day2" / "line4.img", 4)
    (root / "line3.tif.aux.xml").write_text("<PAMDataset/>")
    (root / "line1.qml").write_text("<qgis/>")
    (root / "notes.txt").write_text("flown on a sunny day")
    (root / "quicklook.png").write_bytes(b"\x89PNG\r\n")
    (root / ".line1_rx.hsad-partial-99.tif").write_bytes(b"")
    return root


def test_find_scenes_skips_headers_side_cars_and_notes(campaign):
    names = [os.path.relpath(p, campaign) for p in find_scenes(campaign)]
    assert names == ["line1.bsq", "line2", "line3.tif"]
    deep = [os.path.relpath(p, campaign) for p in find_scenes(campaign, recursive=True)]
    assert deep == ["day2/line4.img", "line1.bsq", "line2", "line3.tif"]


def test_an_enmap_product_folder_yields_its_cube_not_its_quality_layers(tmp_path):
    product = "ENMAP01-____L2A-DT0000001867_20220724T104526Z_008_V010302_20230628T165614Z"
    _scene(tmp_path / f"{product}-SPECTRAL_IMAGE.TIF", driver="GTiff")
    for layer in ("QL_PIXELMASK", "QL_QUALITY_CLASSES", "QL_VNIR"):
        write_cube(tmp_path / f"{product}-{layer}.TIF", np.ones((24, 20, 1), np.uint8),
                   dtype="uint8")
    (tmp_path / f"{product}-METADATA.XML").write_text("<level_X/>")
    _scene(tmp_path / "flight-line-7.tif", driver="GTiff")  # hyphens alone mean nothing
    names = [os.path.basename(p) for p in find_scenes(tmp_path)]
    assert names == [f"{product}-SPECTRAL_IMAGE.TIF", "flight-line-7.tif"]
    assert len(find_scenes(tmp_path, pattern="*.TIF")) == 4  # a pattern still takes every match


def test_pattern_matches_names_or_relative_paths(campaign):
    by_name = find_scenes(campaign, pattern="*.img", recursive=True)
    assert [os.path.basename(p) for p in by_name] == ["line4.img"]
    by_path = find_scenes(campaign, pattern="day2/*", recursive=True)
    assert [os.path.relpath(p, campaign) for p in by_path] == ["day2/line4.img"]
    # a pattern is the user's choice: a matching file hsad cannot read is a scene (and will fail)
    pictures = find_scenes(campaign, pattern="*.png")
    assert [os.path.basename(p) for p in pictures] == ["quicklook.png"]


def test_outputs_beside_scenes_and_output_folder_inside_input_are_not_scenes(campaign):
    first = run_batch(plan_batch(campaign, campaign, "rx"), campaign, RX)
    assert first.count(DONE) == 3
    assert sorted(os.path.basename(p) for p in find_scenes(campaign)) == \
        ["line1.bsq", "line2", "line3.tif"]
    nested = campaign / "scores"
    run_batch(plan_batch(campaign, nested, "rx", recursive=True), nested, RX)
    again = [os.path.relpath(p, campaign) for p in find_scenes(campaign, recursive=True,
                                                               exclude=[nested])]
    assert again == ["day2/line4.img", "line1.bsq", "line2", "line3.tif"]


def test_output_names_mirror_the_tree_and_keep_extensions_only_on_clashes(tmp_path):
    root = tmp_path / "in"
    (root / "a" / "b").mkdir(parents=True)
    scenes = [root / "a" / "b" / "x.bsq", root / "y.tif", root / "z.bsq", root / "z.tif"]
    jobs = plan_outputs(scenes, root, tmp_path / "out", "lrx")
    outputs = [os.path.relpath(j.output, tmp_path / "out") for j in jobs]
    assert outputs == ["a/b/x_lrx.tif", "y_lrx.tif", "z.bsq_lrx.tif", "z.tif_lrx.tif"]
    assert [j.name for j in jobs] == ["a/b/x.bsq", "y.tif", "z.bsq", "z.tif"]
    with pytest.raises(InputError, match="not inside the input folder"):
        plan_outputs([tmp_path / "elsewhere.bsq"], root, tmp_path / "out", "rx")


def test_missing_input_folder_is_a_one_line_input_error(tmp_path):
    with pytest.raises(InputError, match="folder not found"):
        find_scenes(tmp_path / "nope")
    (tmp_path / "file").write_text("")
    with pytest.raises(InputError, match="is not a folder"):
        find_scenes(tmp_path / "file")


def test_inspect_output_tells_complete_from_broken_different_and_foreign(tmp_path):
    scene = _scene(tmp_path / "s.bsq")
    other = _scene(tmp_path / "t.bsq", 5)
    job = plan_outputs([scene], tmp_path, tmp_path / "out", "rx")[0]
    assert inspect_output(job.output, scene, RX).state == MISSING
    run_batch([job], tmp_path / "out", RX)
    existing = inspect_output(job.output, scene, RX)
    assert existing.state == COMPLETE
    assert existing.summary.valid_pixels == 24 * 20
    assert existing.summary.percentiles["p50"] == pytest.approx(
        float(np.median(_read(job.output))), rel=1e-3)
    assert inspect_output(job.output, other, RX).state == FOREIGN
    different = inspect_output(job.output, scene, DetectParameters(method="rx", bands=[1, 2, 3]))
    assert different.state == DIFFERENT and "bands" in different.reason
    data = open(job.output, "rb").read()
    with open(job.output, "wb") as handle:  # a power loss before the data reached the disk
        handle.write(data[: len(data) // 2])
    assert inspect_output(job.output, scene, RX).state == BROKEN
    write_cube(job.output, np.ones((24, 20, 1), np.float32))  # someone else's raster
    assert inspect_output(job.output, scene, RX).state == FOREIGN


def test_failing_scene_is_recorded_and_the_others_go_on(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    _scene(root / "a.bsq", 1)
    (root / "b.bsq").write_bytes(b"not a cube")  # matched by the pattern, unreadable
    _scene(root / "c.bsq", 3)
    out = tmp_path / "out"
    summary = run_batch(plan_batch(root, out, "rx", pattern="*.bsq"), out, RX,
                        input_dir=str(root))
    status = {r.scene: r.status for r in summary.records}
    assert status == {"a.bsq": DONE, "b.bsq": FAILED, "c.bsq": DONE}
    assert "b.bsq" in summary.failed[0].error and "\n" not in summary.failed[0].error
    assert not summary.ok
    rows = list(csv.DictReader(open(out / "summary.csv")))
    assert [r["status"] for r in rows] == ["done", "failed", "done"]
    for row in rows:
        if row["status"] == "done":
            scores = _read(out / row["output"])
            assert float(row["max"]) == pytest.approx(float(scores.max()), rel=1e-6)
            assert int(row["valid_pixels"]) == scores.size
            assert row["method"] == "rx" and float(row["seconds"]) > 0
    document = json.load(open(out / "summary.json"))
    assert document["counts"] == {"done": 2, "skipped": 0, "failed": 1, "cancelled": 0}
    assert document["parameters"]["method"] == "rx"


def test_rerun_skips_complete_outputs_and_repairs_what_an_interruption_left(tmp_path):
    root, out = tmp_path / "in", tmp_path / "out"
    root.mkdir()
    for i in range(3):
        _scene(root / f"s{i}.bsq", i)
    jobs = plan_batch(root, out, "rx")
    run_batch(jobs, out, RX)
    kept = os.stat(jobs[0].output)
    stale = partial_path(jobs[1].output, dead_pid())  # left by a kill -9
    stale.write_bytes(b"half")
    _damage_blocks(jobs[1].output)  # hsad's file, its pixels damaged: rescored
    os.remove(os.path.splitext(jobs[2].output)[0] + ".qml")  # killed between raster and style
    summary = run_batch(jobs, out, RX)
    assert [r.status for r in summary.records] == [SKIPPED, DONE, SKIPPED]
    assert os.stat(jobs[0].output).st_ino == kept.st_ino
    assert os.stat(jobs[0].output).st_mtime_ns == kept.st_mtime_ns
    assert not stale.exists()
    assert inspect_output(jobs[1].output, jobs[1].scene, RX).state == COMPLETE
    assert os.path.exists(os.path.splitext(jobs[2].output)[0] + ".qml")
    assert summary.records[0].statistics["valid_pixels"] == 24 * 20  # from the existing file


def _damage_blocks(path) -> None:
    """Garble a GeoTIFF's first block, keeping its directory (and hsad's metadata) readable."""
    from osgeo import gdal
    ds = gdal.Open(str(path))
    offset = int(ds.GetRasterBand(1).GetMetadataItem("BLOCK_OFFSET_0_0", "TIFF"))
    size = int(ds.GetRasterBand(1).GetMetadataItem("BLOCK_SIZE_0_0", "TIFF"))
    ds = None
    with open(path, "r+b") as handle:
        handle.seek(offset)
        handle.write(b"\xff" * size)


def test_changed_settings_fail_instead_of_mixing_results_unless_overwrite(tmp_path):
    root, out = tmp_path / "in", tmp_path / "out"
    root.mkdir()
    _scene(root / "s.bsq")
    jobs = plan_batch(root, out, "rx")
    run_batch(jobs, out, RX)
    before = _read(jobs[0].output)
    fewer = DetectParameters(method="rx", bands=[1, 2, 3, 4])
    refused = run_batch(jobs, out, fewer)
    assert refused.records[0].status == FAILED and "other settings" in refused.records[0].error
    np.testing.assert_array_equal(_read(jobs[0].output), before)
    replaced = run_batch(jobs, out, fewer, overwrite=True)
    assert replaced.records[0].status == DONE
    assert not np.array_equal(_read(jobs[0].output), before)


def test_a_million_pixel_scene_is_recognised_as_complete(tmp_path):
    """The valid-pixel count is recorded exactly (not as 1.00801e+06), so a rerun skips it."""
    root, out = tmp_path / "in", tmp_path / "out"
    root.mkdir()
    rng = np.random.default_rng(0)
    write_cube(root / "big.tif", rng.normal(size=(1001, 1007, 2)).astype(np.float32))
    jobs = plan_batch(root, out, "rx")
    assert run_batch(jobs, out, RX).records[0].status == DONE
    existing = inspect_output(jobs[0].output, jobs[0].scene, RX)
    assert existing.state == COMPLETE and existing.summary.valid_pixels == 1001 * 1007
    assert run_batch(jobs, out, RX).records[0].status == SKIPPED


def test_window_settings_only_matter_for_local_rx_and_defaults_are_filled_in(tmp_path):
    scene = _scene(tmp_path / "s.bsq")
    for method, spelled in (("lrx", dict(inner=5, outer=21)), ("rx", dict(inner=5, outer=21))):
        job = plan_outputs([scene], tmp_path, tmp_path / "out", method)[0]
        run_batch([job], tmp_path / "out", DetectParameters(method=method))
        again = inspect_output(job.output, scene, DetectParameters(method=method, options=spelled))
        assert again.state == COMPLETE, again.reason
    job = plan_outputs([scene], tmp_path, tmp_path / "out", "lrx")[0]
    other = inspect_output(job.output, scene,
                           DetectParameters(method="lrx", options={"inner": 3, "outer": 9}))
    assert other.state == DIFFERENT and "'inner': 5" in other.reason and "'inner': 3" in other.reason


def test_cancel_stops_the_batch_keeps_finished_scenes_and_writes_the_summary(tmp_path):
    root, out = tmp_path / "in", tmp_path / "out"
    root.mkdir()
    for i in range(4):
        _scene(root / f"s{i}.bsq", i)
    jobs = plan_batch(root, out, "rx")
    seen = []

    def progress(fraction):
        seen.append(fraction)
        return fraction < 0.3  # stop during the second scene

    with pytest.raises(Cancelled):
        run_batch(jobs, out, RX, progress=progress)
    document = json.load(open(out / "summary.json"))
    assert [s["status"] for s in document["scenes"]] == [DONE] + [CANCELLED] * 3
    assert os.path.exists(jobs[0].output) and not os.path.exists(jobs[1].output)
    assert not [n for n in os.listdir(out) if "partial" in n]
    assert seen == sorted(seen) and 0.25 < seen[-1] <= 0.5  # stopped within the second scene
