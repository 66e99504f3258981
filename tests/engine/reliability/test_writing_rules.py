"""The one rule for what may be replaced, tested where the corpus cannot reach: streams as root,
PID namespaces (containers), GeoPackages, hsad's own styles and the training's folder."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hsad.engine.errors import OutputError
from makers import tif, varied_cube
from support import dead_pid, hsad_command, partial_path

UNSHARE = shutil.which("unshare")


def _sandbox_works(*flags) -> bool:
    if not UNSHARE:
        return False
    done = subprocess.run([UNSHARE, *flags, "true"], capture_output=True)
    return done.returncode == 0


# -- streams ------------------------------------------------------------------------------------
@pytest.mark.skipif(not _sandbox_works("-Urm"), reason="no user and mount namespaces here")
def test_json_to_dev_stdout_goes_to_the_stream_and_keeps_the_link(tmp_path):
    """In a private /dev (the host's is never at risk): hsad of issue 22 replaced the link."""
    scene = tif(tmp_path, "a.tif")
    command = " ".join(hsad_command() + ["info", str(scene), "--json", "/dev/stdout",
                                         "--overwrite"])
    script = (f"mount -t tmpfs none /dev && ln -s /proc/self/fd/1 /dev/stdout && "
              f"{command} > {tmp_path}/out.json && test -L /dev/stdout && echo LINK-KEPT")
    done = subprocess.run([UNSHARE, "-Urm", "sh", "-c", script], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and "LINK-KEPT" in done.stdout, done.stderr
    assert json.loads((tmp_path / "out.json").read_text())["rows"] == 12


def test_a_stream_is_never_a_staged_target(tmp_path):
    from hsad.engine.outputs.staging import check_target
    for name in ("/dev/stdout", "/dev/stderr", "/proc/self/fd/1", "/dev/fd/2"):
        with pytest.raises(OutputError, match="a stream, not a file") as refused:
            check_target(name, overwrite=True)
        assert "overwrite" not in str(refused.value)


def test_json_to_an_open_descriptor_is_written_in_place(tmp_path):
    scene = tif(tmp_path, "a.tif")
    read, write = os.pipe()
    done = subprocess.run(hsad_command() + ["info", str(scene), "--json", f"/dev/fd/{write}"],
                          pass_fds=(write,), capture_output=True, text=True, timeout=120)
    os.close(write)
    with os.fdopen(read) as handle:
        assert json.loads(handle.read())["bands"] == 6
    assert done.returncode == 0 and "scene " in done.stdout  # the text report still printed


def test_a_refusal_of_a_link_never_suggests_overwrite(tmp_path, capfd):
    from harness import run_in_process
    scene = tif(tmp_path, "a.tif")
    (tmp_path / "elsewhere.json").write_text("{}\n")
    os.symlink("elsewhere.json", tmp_path / "run.json")
    for extra in ([], ["--overwrite"]):
        outcome = run_in_process(["info", scene, "--json", tmp_path / "run.json"] + extra, capfd)
        assert outcome.code == 2 and "symbolic link" in outcome.stderr
        assert "use overwrite" not in outcome.stderr
    assert os.path.islink(tmp_path / "run.json")


# -- process identity: locks and temporary files across PID namespaces ---------------------------
def test_owner_records_are_judged_only_within_their_namespace_and_boot():
    from hsad.engine.processes import owner_is_gone, process_identity
    dead = dead_pid()
    assert owner_is_gone(process_identity(dead))  # this namespace: provably gone
    assert not owner_is_gone(process_identity(os.getpid()))  # alive
    assert not owner_is_gone({**process_identity(dead), "pid_ns": "pid:[1]"})  # a container
    assert not owner_is_gone({**process_identity(dead), "host": "elsewhere"})
    assert not owner_is_gone({"host": process_identity()["host"], "pid": dead})  # older hsad
    reused = {**process_identity(os.getpid()), "pid_start": "1"}  # this id, started earlier
    assert owner_is_gone(reused)
    rebooted = {**process_identity(os.getpid()), "boot_id": "an-earlier-boot"}
    assert owner_is_gone(rebooted) == bool(process_identity()["machine_id"])


def test_without_namespaces_a_dead_process_on_this_host_is_gone(monkeypatch):
    """Windows and macOS have no boot id or PID namespaces: the host's process ids decide."""
    from hsad.engine import processes
    monkeypatch.setattr(processes, "boot_id", lambda: "")
    monkeypatch.setattr(processes, "pid_namespace", lambda: "")
    dead = dead_pid()
    assert processes.owner_is_gone(processes.process_identity(dead))
    assert not processes.owner_is_gone(processes.process_identity(os.getpid()))
    assert not processes.owner_is_gone({**processes.process_identity(dead), "host": "other"})


def test_a_leftover_of_another_namespace_or_an_older_hsad_is_kept(tmp_path):
    from hsad.engine.outputs.staging import PARTIAL_TAG, remove_leftovers
    target = tmp_path / "out.tif"
    ours = partial_path(target, dead_pid())
    host = ours.name.split("@", 1)[1].split("-", 1)[0]
    other = tmp_path / f".out{PARTIAL_TAG}-{dead_pid()}@{host}-0badc0de.tif"
    older = tmp_path / f".out{PARTIAL_TAG}-{dead_pid()}@{host}.tif"
    for path in (ours, other, older):
        path.write_bytes(b"half")
    assert remove_leftovers(str(target)) == [str(ours)]
    assert other.exists() and older.exists()


@pytest.mark.skipif(not _sandbox_works("-Urpf", "--mount-proc"),
                    reason="no user and PID namespaces here")
def test_a_batch_in_another_pid_namespace_keeps_its_scene_and_its_partial_file(tmp_path):
    """A real second PID namespace (what a container is), whose batch holds the lock as a
    process id that is dead out here: the batch here must leave it alone."""
    from hsad.engine.batch import FAILED, plan_batch, run_batch
    from hsad.engine.pipeline import DetectParameters
    root, out = tmp_path / "in", tmp_path / "out"
    root.mkdir()
    tif(root, "a.tif")
    job = plan_batch(root, out, "rx")[0]
    out.mkdir()
    wanted, ready = dead_pid(), tmp_path / "ready"
    inner = Path(__file__).with_name("other_namespace_batch.py")
    process = subprocess.Popen([UNSHARE, "-Urpf", "--mount-proc", "--kill-child",
                                sys.executable, str(inner), job.output, str(ready), str(wanted)])
    try:
        for _ in range(600):
            if ready.exists() and ready.read_text():
                break
            assert process.poll() is None, "the other namespace's batch did not start"
            __import__("time").sleep(0.1)
        assert int(ready.read_text()) == wanted  # its process id: no process out here
        partial = [p for p in os.listdir(out) if ".hsad-partial-" in p]
        summary = run_batch([job], out, DetectParameters(method="rx"))
        record = summary.records[0]
        assert record.status == FAILED and "being scored by another batch" in record.error
        assert "another PID namespace" in record.error
        assert [p for p in os.listdir(out) if ".hsad-partial-" in p] == partial
        assert (out / partial[0]).read_bytes() == b"being written"
        assert not os.path.exists(job.output)
    finally:
        process.kill()
        process.wait()


# -- hsad's own side-cars, batches, GeoPackages, Processing's kinds ------------------------------
def test_hsad_styles_are_recognised_by_their_template_not_their_name(tmp_path):
    from hsad.engine.outputs.ownership import is_hsad_style
    from hsad.engine.outputs.style import score_style_qml
    from hsad.engine.outputs.threshold_files import MASK_STYLE, OBJECTS_STYLE
    style = tmp_path / "s.qml"
    for low, high in ((0.0, 1.0), (-3.25e-7, 812.123456789)):
        style.write_text(score_style_qml(low, high, 0.8))
        assert is_hsad_style(str(style))
    for resource in (MASK_STYLE, OBJECTS_STYLE):
        assert is_hsad_style(resource)
    style.write_text(score_style_qml(0, 1).replace("255,0,255", "0,0,255"))  # restyled in QGIS
    assert not is_hsad_style(str(style))
    style.write_text("<qgis>the user's</qgis>")
    assert not is_hsad_style(str(style))


def test_a_batch_leaves_a_file_gdal_cannot_open_at_an_output_name(tmp_path):
    from hsad.engine.batch import FAILED, plan_batch, run_batch
    from hsad.engine.pipeline import DetectParameters
    root, out = tmp_path / "in", tmp_path / "out"
    root.mkdir()
    tif(root, "a.tif")
    job = plan_batch(root, out, "rx")[0]
    run_batch([job], out, DetectParameters(method="rx"))
    with open(job.output, "r+b") as handle:  # cut short: nothing left says hsad wrote it
        handle.truncate(100)
    cut = Path(job.output).read_bytes()
    for overwrite in (False, True):
        record = run_batch([job], out, DetectParameters(method="rx"), overwrite).records[0]
        assert record.status == FAILED and "not provably an hsad output" in record.error
        assert Path(job.output).read_bytes() == cut


def _geopackage_with(path: Path, *layers) -> None:
    from osgeo import ogr
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    for name in layers:
        layer = ds.CreateLayer(name, None, ogr.wkbPoint)
        layer.CreateField(ogr.FieldDefn("note", ogr.OFTString))
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField("note", f"the user's {name}")
        layer.CreateFeature(feature)
        feature = None
    ds = None


def _threshold(score: Path, objects: Path, overwrite: bool = True):
    from hsad.engine.threshold import ThresholdRule, threshold_score_raster
    return threshold_score_raster(str(score), None, str(objects),
                                  ThresholdRule(kind="percentile", percentile=95.0), overwrite)


def test_objects_never_replace_a_geopackage_holding_other_layers(tmp_path):
    from hsad.engine.outputs.ownership import geopackage_layers
    score = tif(tmp_path, "score.tif", np.random.default_rng(1).normal(
        size=(12, 10, 1)).astype(np.float32))
    project = tmp_path / "project.gpkg"
    _geopackage_with(project, "roads", "wells")
    before = project.read_bytes()
    with pytest.raises(OutputError, match="GeoPackage holding other layers .roads, wells."):
        _threshold(score, project)
    assert project.read_bytes() == before
    ours = tmp_path / "objects.gpkg"
    _threshold(score, ours, overwrite=False)
    assert geopackage_layers(str(ours)) == ["objects"]
    _threshold(score, ours)  # hsad's own: replaced
    assert geopackage_layers(str(ours)) == ["objects"]


def test_processing_replaces_only_a_file_of_the_outputs_kind(tmp_path):
    from hsad.engine.outputs.ownership import check_processing_output
    from hsad.engine.outputs.score_raster import side_cars
    notes = tmp_path / "out.tif"
    notes.write_text("a text file named like the output")
    with pytest.raises(OutputError, match="exists and is not a raster"):
        check_processing_output(str(notes), "raster", (), side_cars(str(notes)))
    tif(tmp_path, "old.tif", varied_cube(seed=3))
    check_processing_output(str(tmp_path / "old.tif"), "raster", (),
                            side_cars(str(tmp_path / "old.tif")))
    (tmp_path / "old.qml").write_text("<qgis>the user's style for old.tif</qgis>")
    with pytest.raises(OutputError, match="style hsad did not write"):
        check_processing_output(str(tmp_path / "old.tif"), "raster", (),
                                side_cars(str(tmp_path / "old.tif")))
    picture = tmp_path / "roc.png"
    picture.write_text("a report")
    with pytest.raises(OutputError, match="is not a PNG picture"):
        check_processing_output(str(picture), "png")


# -- hsad train ---------------------------------------------------------------------------------
def test_training_never_writes_into_its_data_nor_a_users_folder(tmp_path):
    from hsad.engine.methods.twobranch.weights import check_weights_folder, save_weights
    data = tmp_path / "background"
    data.mkdir()
    (data / "manifest.json").write_text('{"files": []}\n')
    with pytest.raises(OutputError, match="is an input file"):
        check_weights_folder(str(data), [str(data / "manifest.json")])
    with pytest.raises(OutputError, match="holds no hsad weights"):
        check_weights_folder(str(data), [])
    weights = tmp_path / "weights"
    save_weights({"w": np.zeros(3, np.float32)}, str(weights), {"config": {}})
    check_weights_folder(str(weights), [])  # hsad's own weights: retrained in place
    check_weights_folder(str(tmp_path / "new"), [])


def test_a_summary_of_an_earlier_hsad_is_still_replaced_on_a_rerun(tmp_path):
    """summary.csv gained a reason column: the header of hsad 0.2's summaries is still hsad's."""
    from hsad.engine.batch import DONE, plan_batch, run_batch
    from hsad.engine.batch.summary import EARLIER_CSV_COLUMNS
    from hsad.engine.pipeline import DetectParameters
    root, out = tmp_path / "in", tmp_path / "out"
    root.mkdir()
    out.mkdir()
    tif(root, "a.tif")
    (out / "summary.csv").write_text(",".join(EARLIER_CSV_COLUMNS) + "\r\n")
    summary = run_batch(plan_batch(root, out, "rx"), out, DetectParameters(method="rx"))
    assert summary.records[0].status == DONE
    assert (out / "summary.csv").read_text().splitlines()[0].endswith(",reason")
