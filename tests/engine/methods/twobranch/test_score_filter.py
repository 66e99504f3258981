"""The 3 x 3 score filter: what each form does to an isolated target and to a plane's edge."""
from __future__ import annotations

import numpy as np
import pytest

from hsad.engine.methods.twobranch.score_filter import blend, filtered, neighbourhood_mean


def background(rows=9, cols=9):
    return np.random.default_rng(0).uniform(0.5, 1.0, (rows, cols))


def test_lift_keeps_an_isolated_target_above_the_background_beside_it():
    """One bright pixel: the additive form lifts its 8 neighbours by b x its score / 9 while
    the target gains only b x its own ninth; the lift form leaves the target as it is and never
    raises a neighbour above the target."""
    scores = background()
    scores[4, 4] = 10.0
    valid = np.ones_like(scores, bool)
    lifted = filtered(scores, valid, 4.0, "lift")
    assert lifted[4, 4] == scores[4, 4]
    assert np.all(lifted >= scores)
    assert lifted[3:6, 3:6].max() == lifted[4, 4]
    target_lead = lifted[4, 4] - np.delete(lifted[3:6, 3:6].ravel(), 4).max()
    added = filtered(scores, valid, 4.0, "additive")
    added_lead = (added[4, 4] - np.delete(added[3:6, 3:6].ravel(), 4).max()) / (1 + 4.0)
    assert target_lead > added_lead


def test_lift_raises_an_extended_objects_edge_toward_its_interior():
    scores = background()
    scores[2:7, 2:7] = 4.0   # the object's mixed edge
    scores[3:6, 3:6] = 8.0   # its pure interior
    lifted = filtered(scores, np.ones_like(scores, bool), 1.0, "lift")
    assert lifted[2, 4] > scores[2, 4]          # edge pixel beside the interior gains
    assert np.array_equal(lifted[4, 4], scores[4, 4])  # the interior keeps its score


def test_strength_zero_is_no_filter_and_forms_agree_on_a_flat_map():
    scores = background()
    valid = np.ones_like(scores, bool)
    for form in ("additive", "lift"):
        assert filtered(scores, valid, 0.0, form) is scores
    flat = np.full((5, 5), 2.0)
    assert np.allclose(filtered(flat, np.ones_like(flat, bool), 0.5, "lift"), flat)
    assert np.allclose(filtered(flat, np.ones_like(flat, bool), 0.5, "additive"), 3.0)


def test_invalid_pixels_do_not_feed_their_neighbours():
    scores = background()
    valid = np.ones_like(scores, bool)
    scores[0, 0], valid[0, 0] = 1e6, False
    near = neighbourhood_mean(scores, valid)
    assert near[1, 1] < 1.0 and near[0, 1] < 1.0


def test_an_unknown_form_is_refused():
    with pytest.raises(ValueError, match="unknown score filter form"):
        blend(np.zeros((2, 2)), np.zeros((2, 2)), 1.0, "median")
