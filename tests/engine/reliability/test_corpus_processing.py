"""A share of the corpus through ``processing.run``, as QGIS users meet it.

Each case with a Processing run must raise one ``QgsProcessingException`` whose message is one
line naming the file and the problem, leave every input byte as it was and leave nothing
behind, under the same memory cap as the command line runs.
"""
from __future__ import annotations

import resource
import warnings

import pytest

from corpus import CASES, PROCESSING_SHARE
from harness import MEMORY_CAP, left_behind, snapshot, vm_size
from support import FakeIface

PROCESSING_CASES = [c for c in CASES if c.id in PROCESSING_SHARE]


@pytest.fixture(scope="module")
def hsad_in_qgis(qgis_processing):
    """hsad registered in Processing the way QGIS loads it."""
    import hsad
    instance = hsad.classFactory(FakeIface())
    instance.initProcessing()
    yield instance
    instance.unload()


@pytest.mark.parametrize("case", PROCESSING_CASES, ids=[c.id for c in PROCESSING_CASES])
def test_case_through_processing(case, tmp_path, hsad_in_qgis):
    import processing
    from qgis.core import QgsProcessingException, QgsProject
    folder = tmp_path / "case"
    folder.mkdir()
    setup = case.make(folder)
    assert setup.processing, f"{case.id} has no Processing run"
    algorithm, parameters = setup.processing
    before = snapshot(folder)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (vm_size() + MEMORY_CAP, hard))
    try:
        with warnings.catch_warnings(record=True) as caught, \
                pytest.raises(QgsProcessingException) as raised:
            warnings.simplefilter("always")
            processing.run(algorithm, parameters)
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        QgsProject.instance().removeAllMapLayers()
    message = str(raised.value).strip()
    # QGIS frames a parameter value the algorithm's checkParameterValues refuses (hsad's rule for
    # what may be opened runs there, before QGIS loads the layer) as "Unable to execute
    # algorithm\n<the one-line reason>".
    message = message.replace("Unable to execute algorithm\n", "", 1)
    names = setup.processing_names or setup.names
    assert "\n" not in message and names in message and case.expect in message, message
    assert not caught, [str(w.message) for w in caught]
    changed, new = left_behind(before, snapshot(folder), folder, setup.allowed)
    assert not changed and not new, (changed, new)


def test_the_processing_share_is_representative():
    assert len(PROCESSING_CASES) == len(PROCESSING_SHARE) >= 12
    assert len({c.category for c in PROCESSING_CASES}) >= 5
