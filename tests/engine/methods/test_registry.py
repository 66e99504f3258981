"""The one registry of methods: the lists users see per family, classes that match their
entries, and one-line errors naming the family's methods."""
from __future__ import annotations

import pytest

from hsad.engine.errors import HsadError
from hsad.engine.methods import (ANOMALY, DEFAULT_METHOD, DEFAULT_TARGET_METHOD, TARGET,
                                 detector_class, method_names)
from hsad.engine.methods.base import Detector, TilePlan


def test_each_family_lists_its_methods_in_the_order_users_see():
    assert method_names() == method_names(ANOMALY) == ["twobranch", "rx", "lrx", "ferd"]
    assert method_names(TARGET) == ["ace", "mf", "cem", "sam"]
    assert DEFAULT_METHOD in method_names(ANOMALY)
    assert DEFAULT_TARGET_METHOD in method_names(TARGET)


@pytest.mark.parametrize("family", [ANOMALY, TARGET])
def test_every_entry_is_a_detector_named_as_its_entry(family):
    for name in method_names(family):
        cls = detector_class(name, family)
        assert issubclass(cls, Detector) and cls.name == name and cls.label and cls.summary
        assert isinstance(cls.plan, TilePlan)


def test_a_method_of_the_other_family_is_unknown_in_one_line():
    with pytest.raises(HsadError, match=r"unknown method 'ace' \(choose from twobranch, rx, lrx, "
                                        r"ferd\)"):
        detector_class("ace")
    with pytest.raises(HsadError, match=r"unknown target method 'rx' \(choose from ace, mf, cem, "
                                        r"sam\)"):
        detector_class("rx", TARGET)
