"""A batch rerun after the model changed scores again only on request, like changed settings."""
from __future__ import annotations

import numpy as np
from osgeo import gdal

from hsad.engine.batch import DONE, FAILED, SKIPPED, plan_batch, run_batch
from hsad.engine.batch.existing import COMPLETE, DIFFERENT, inspect_output
from hsad.engine.pipeline import DetectParameters
from support import scene_with_targets, write_cube


def test_outputs_of_another_model_version_are_refused_unless_overwrite(tmp_path):
    root, out = tmp_path / "in", tmp_path / "out"
    root.mkdir()
    write_cube(root / "s.bsq", scene_with_targets(bands=16)[0], driver="ENVI")
    jobs = plan_batch(root, out, "twobranch")
    params = DetectParameters(method="twobranch", device="cpu")
    assert run_batch(jobs, out, params).records[0].status == DONE
    assert run_batch(jobs, out, params).records[0].status == SKIPPED
    assert inspect_output(jobs[0].output, jobs[0].scene, params).state == COMPLETE

    ds = gdal.Open(jobs[0].output, gdal.GA_Update)  # as if made by an older release's weights
    ds.SetMetadataItem("HSAD_MODEL_VERSION", "hsad-twobranch-0+000000000000")
    ds = None
    before = gdal.Open(jobs[0].output).ReadAsArray()
    existing = inspect_output(jobs[0].output, jobs[0].scene, params)
    assert existing.state == DIFFERENT and "hsad-twobranch-0+000000000000" in existing.reason
    refused = run_batch(jobs, out, params).records[0]
    assert refused.status == FAILED and "was made with model" in refused.error
    np.testing.assert_array_equal(gdal.Open(jobs[0].output).ReadAsArray(), before)
    assert run_batch(jobs, out, params, overwrite=True).records[0].status == DONE
    assert inspect_output(jobs[0].output, jobs[0].scene, params).state == COMPLETE


def test_outputs_written_before_the_local_background_option_are_the_off_setting(tmp_path):
    """twobranch gained an option (local_background): files whose request does not name it were
    made with what 'off' does, so a rerun keeps them; 'on' is other settings."""
    import json
    root, out = tmp_path / "in", tmp_path / "out"
    root.mkdir()
    write_cube(root / "s.bsq", scene_with_targets(bands=16)[0], driver="ENVI")
    jobs = plan_batch(root, out, "twobranch")
    params = DetectParameters(method="twobranch", device="cpu")
    assert run_batch(jobs, out, params).records[0].status == DONE
    ds = gdal.Open(jobs[0].output, gdal.GA_Update)  # as hsad 0.2 wrote it: no such option
    request = json.loads(ds.GetMetadataItem("HSAD_REQUEST"))
    assert request["options"] == {"local_background": "off"}
    request["options"] = {}
    ds.SetMetadataItem("HSAD_REQUEST", json.dumps(request))
    ds = None
    assert inspect_output(jobs[0].output, jobs[0].scene, params).state == COMPLETE
    on = DetectParameters(method="twobranch", device="cpu", options={"local_background": "on"})
    existing = inspect_output(jobs[0].output, jobs[0].scene, on)
    assert existing.state == DIFFERENT and "local_background" in existing.reason
    before = gdal.Open(jobs[0].output).ReadAsArray()
    assert run_batch(jobs, out, on, overwrite=True).records[0].status == DONE
    after = gdal.Open(jobs[0].output).ReadAsArray()
    assert not np.allclose(before, after)
    assert inspect_output(jobs[0].output, jobs[0].scene, on).state == COMPLETE
