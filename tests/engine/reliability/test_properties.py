"""Property-based tests: header parsing, option parsing and the tiling arithmetic, over inputs
nobody would think to write by hand."""
from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hsad.engine.cli.common import MAX_BANDS, parse_band_list
from hsad.engine.errors import HsadError
from hsad.engine.scenes.checks import header_field, header_number
from hsad.engine.scenes.raster import open_scene
from hsad.engine.scenes.spectral import parse_number_list
from hsad.engine.tiling import STRIP_FACTOR, tiles

# No per-example deadline: on a loaded CI machine a slow example is not a failure.
settings.register_profile("hsad", deadline=None)
settings.load_profile("hsad")

KEYS = ("lines", "samples", "bands", "header offset", "data type")
spaces = st.text(alphabet=" \t", max_size=3)


@given(key=st.sampled_from(KEYS), value=st.integers(-10 ** 12, 10 ** 12), before=spaces,
       after=spaces, upper=st.booleans(), other=st.sampled_from(KEYS))
def test_header_numbers_are_read_exactly_whatever_the_spacing(key, value, before, after, upper,
                                                              other):
    name = key.upper() if upper else key
    text = f"ENVI\n{before}{name}{after}={after}{value}{before}\n"
    if other != key:
        text += f"{other} = 7\n"
    assert header_number(text, key) == value


@given(key=st.sampled_from(KEYS), junk=st.text(
    alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)),
    max_size=20))
def test_a_header_field_that_is_not_a_whole_number_reads_as_none(key, junk):
    text = f"ENVI\n{key} = {junk}\n"
    value = junk.strip()
    expected = int(value) if re.fullmatch(r"[-+]?[0-9]+", value) else None
    assert header_number(text, key) == expected
    assert header_field(text, key) == junk.strip()  # what a message quotes


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=32), max_size=50),
       st.sampled_from([", ", ",", " , ", ",\n "]))
def test_wavelength_lists_parse_back_exactly(values, separator):
    text = "{" + separator.join(repr(float(v)) for v in values) + "}"
    assert parse_number_list(text) == [float(v) for v in values]


@given(st.lists(st.tuples(st.integers(1, 400), st.integers(0, 30)), max_size=8))
def test_band_lists_expand_to_the_bands_named_or_fail_in_one_line(ranges):
    text = ",".join(f"{lo}-{lo + span}" if span else str(lo) for lo, span in ranges)
    expected = [b for lo, span in ranges for b in range(lo, lo + span + 1)]
    if len(expected) != len(set(expected)):
        with pytest.raises(HsadError, match="listed twice"):
            parse_band_list(text)
    else:
        assert (parse_band_list(text) or []) == expected


@given(st.text(max_size=40))
def test_any_band_text_is_a_list_or_a_one_line_error(text):
    try:
        bands = parse_band_list(text)
    except HsadError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("--bands")
    else:
        assert bands is None or len(bands) <= MAX_BANDS


@given(rows=st.integers(1, 70), cols=st.integers(1, 70), size=st.integers(1, 80),
       halo=st.integers(0, 12), strips=st.booleans())
def test_tile_cores_cover_every_pixel_once_inside_their_read_windows(rows, cols, size, halo,
                                                                       strips):
    covered = np.zeros((rows, cols), dtype=int)
    for tile in tiles(rows, cols, size, halo, strips=strips):
        assert 0 <= tile.read_row <= tile.row and 0 <= tile.read_col <= tile.col
        assert tile.read_row + tile.read_rows <= rows and tile.read_col + tile.read_cols <= cols
        assert tile.row - tile.read_row == min(halo, tile.row)  # the halo, clipped at the edge
        assert tile.col - tile.read_col == min(halo, tile.col)
        window = np.zeros((tile.read_rows, tile.read_cols), dtype=int)
        window[tile.core] = 1
        assert window.sum() == tile.rows * tile.cols
        covered[tile.row:tile.row + tile.rows, tile.col:tile.col + tile.cols] += 1
        pixels = tile.read_rows * tile.read_cols
        if not halo:
            assert pixels <= max(size * size, cols)
        else:  # a full-width strip reads at most STRIP_FACTOR squares' worth
            assert pixels <= (STRIP_FACTOR if strips else 1) * (size + 2 * halo) ** 2
    assert (covered == 1).all()


ENVI_TYPES = {1: 1, 2: 2, 3: 4, 4: 4, 5: 8, 12: 2, 13: 4}


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.integers(-2, 10 ** 9), samples=st.integers(-2, 10 ** 9),
       bands=st.integers(-2, 10 ** 6), data_type=st.sampled_from([1, 2, 3, 4, 5, 12, 13, 99]),
       offset=st.integers(0, 10 ** 7), held=st.integers(0, 4096),
       order=st.sampled_from(["0", "1", "", "2"]))
def test_any_envi_header_opens_or_is_refused_in_one_line(tmp_path, lines, samples, bands,
                                                          data_type, offset, held, order):
    """Whatever a header declares, opening reads at most what the file holds and fails only
    with one line naming the file."""
    data = tmp_path / "fuzz.dat"
    data.write_bytes(np.random.default_rng(held).integers(0, 255, held, dtype=np.uint8)
                     .tobytes())
    (tmp_path / "fuzz.hdr").write_text(
        f"ENVI\nsamples = {samples}\nlines = {lines}\nbands = {bands}\n"
        f"header offset = {offset}\nfile type = ENVI Standard\ndata type = {data_type}\n"
        f"interleave = bsq\n" + (f"byte order = {order}\n" if order else ""))
    try:
        with open_scene(str(data), scoring=True) as scene:
            info = scene.info
            needed = offset + info.rows * info.cols * info.file_bands * ENVI_TYPES[data_type]
            assert needed <= held  # it opened only because the file holds what it declares
    except HsadError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(str(data))
