"""Leave-one-scene-out choices never look at the scene being scored."""
from hsad.research.loso import (choose_with_margin, held_out_with_margin, leave_one_scene_out,
                                markdown)


def test_leave_one_scene_out_never_uses_the_held_out_scene():
    table = {"a": {"s1": 0.9, "s2": 0.9, "s3": 0.1},  # best on s1, s2; bad on s3
             "b": {"s1": 0.8, "s2": 0.8, "s3": 0.99}}
    chosen = leave_one_scene_out(table)
    assert chosen["s3"] == ("a", 0.1)  # chosen on s1 and s2, whatever s3 says
    assert chosen["s1"][0] == "b"  # b: mean 0.895 on s2, s3; a: 0.5


def test_a_default_is_kept_unless_beaten_by_more_than_the_tolerance():
    table = {"default": {"s1": 0.90, "s2": 0.90, "s3": 0.90},
             "other": {"s1": 0.91, "s2": 0.91, "s3": 0.91}}
    assert all(c == "default" for c, _ in
               leave_one_scene_out(table, default="default", tolerance=0.02).values())
    assert all(c == "other" for c, _ in leave_one_scene_out(table, default="default").values())


def test_the_margin_rule_prefers_a_weight_that_keeps_every_scene_near_rx():
    rx = {"s1": 0.95, "s2": 0.90, "s3": 0.99}
    table = {"0": {"s1": 0.99, "s2": 0.99, "s3": 0.97},  # best mean, s3 0.02 below RX
             "1": {"s1": 0.97, "s2": 0.97, "s3": 0.988}}
    assert choose_with_margin(table, rx, ["s1", "s2", "s3"]) == "1"
    held = held_out_with_margin(table, rx)
    assert held["s3"]["candidate"] == "0"  # chosen without s3, which alone breaks the margin
    assert held["s1"]["candidate"] == "1"


def test_markdown_has_a_row_per_entry_and_the_mean():
    text = markdown({"rx": {"abu-airport-2": 0.5, "x": 0.7}}, ["abu-airport-2", "x"])
    assert "| | air-2 | x | mean |" in text and "| rx | 0.5000 | 0.7000 | 0.6000 |" in text
