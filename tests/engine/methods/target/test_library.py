"""Spectral library files as users bring them: CSV tables and ENVI spectral libraries."""
from __future__ import annotations

import numpy as np
import pytest

from hsad.engine.errors import InputError
from hsad.engine.methods.target.library import read_library
from target_helpers import write_csv_library, write_sli

NM = np.arange(400.0, 2501.0, 10.0)
GRASS, ROOF = np.linspace(0.05, 0.4, NM.size), np.linspace(0.3, 0.2, NM.size)


def test_a_csv_with_several_spectra_and_the_unit_in_the_header(tmp_path):
    path = write_csv_library(tmp_path / "lib.csv", NM / 1000.0, {"grass": GRASS, "roof tile": ROOF},
                             header="Wavelength [um]")
    library = read_library(path)
    assert library.names == ["grass", "roof tile"]
    roof = library.spectrum("Roof Tile")  # names match ignoring case and spaces
    np.testing.assert_allclose(roof.wavelengths_nm, NM)
    np.testing.assert_allclose(roof.values, ROOF, rtol=1e-5)
    with pytest.raises(InputError, match=r"holds 2 spectra; say which one by its name \('grass', "
                                         r"'roof tile'\)"):
        library.spectrum()
    with pytest.raises(InputError, match="no spectrum named 'slate'"):
        library.spectrum("slate")


def test_csv_dialects_comments_gaps_and_no_header(tmp_path):
    text = "# measured 2024\nwavelength;a;b\n400;0.1;\n500;0,2;0.3\n"
    (tmp_path / "semi.csv").write_text(text.replace("0,2", "0.2"))
    library = read_library(str(tmp_path / "semi.csv"))
    assert library.spectrum("a").values.tolist() == [0.1, 0.2]
    with pytest.raises(InputError, match="fewer than two values"):
        library.spectrum("b")  # one value left after the gap
    (tmp_path / "plain.txt").write_text("0.45 0.1\n0.55 0.2\n0.65 0.3\n")
    guessed = read_library(str(tmp_path / "plain.txt")).spectrum()
    assert guessed.name == "spectrum 1" and guessed.wavelengths_nm.tolist() == [450, 550, 650]
    assert "guessed" in guessed.units_source


def test_csv_errors_name_the_file_and_the_cell(tmp_path):
    (tmp_path / "bad.csv").write_text("wavelength,a\n400,0.1\n500,oops\n")
    with pytest.raises(InputError, match=r"bad.csv: row 3, column 2: 'oops' is not a number"):
        read_library(str(tmp_path / "bad.csv"))
    (tmp_path / "one.csv").write_text("wavelength\n400\n500\n")
    with pytest.raises(InputError, match="a wavelength column and at least one spectrum"):
        read_library(str(tmp_path / "one.csv"))


def test_a_stated_unit_the_values_contradict_is_an_error(tmp_path):
    path = write_csv_library(tmp_path / "lib.csv", NM / 1000.0, {"grass": GRASS},
                             header="wavelength (nm)")
    with pytest.raises(InputError, match=r"0.4-2.5 are said to be in nm, but look like "
                                         "micrometres"):
        read_library(path)
    sli = write_sli(tmp_path / "lib.sli", NM, {"grass": GRASS}, units="Micrometers")
    with pytest.raises(InputError, match="look like nanometres"):
        read_library(sli)


@pytest.mark.parametrize("byte_order, offset", [(0, 0), (1, 128)])
def test_an_envi_spectral_library_by_its_data_file_or_header(tmp_path, byte_order, offset):
    path = write_sli(tmp_path / "lib.sli", NM / 1000.0, {"grass": GRASS, "roof": ROOF},
                     byte_order=byte_order, header_offset=offset,
                     extra="reflectance scale factor = 1\n")
    for given in (path, str(tmp_path / "lib.hdr")):
        library = read_library(given)
        assert library.names == ["grass", "roof"] and library.path == path
        np.testing.assert_allclose(library.spectrum("roof").values, ROOF, rtol=1e-6)
        np.testing.assert_allclose(library.spectrum("roof").wavelengths_nm, NM, rtol=1e-6)


def test_a_library_written_by_the_spectral_python_package(tmp_path):
    spectral = pytest.importorskip("spectral")
    spectra = np.vstack([GRASS, ROOF])
    header = {"spectra names": ["grass", "roof"], "wavelength": list(NM / 1000.0),
              "wavelength units": "Micrometers"}
    spectral.envi.SpectralLibrary(spectra, header, {}).save(str(tmp_path / "spy"))
    library = read_library(str(tmp_path / "spy.sli"))
    np.testing.assert_allclose(library.spectrum("grass").values, GRASS, rtol=1e-6)
    np.testing.assert_allclose(library.spectrum("grass").wavelengths_nm, NM, rtol=1e-6)


def test_broken_envi_libraries_are_one_line_errors(tmp_path):
    path = write_sli(tmp_path / "lib.sli", NM, {"grass": GRASS}, units="Nanometers")
    with open(path, "r+b") as handle:
        handle.truncate(100)
    with pytest.raises(InputError, match="lib.sli: is truncated"):
        read_library(path)
    write_sli(tmp_path / "cube.sli", NM, {"grass": GRASS}, units="Nanometers")
    header = tmp_path / "cube.hdr"
    header.write_text(header.read_text().replace("ENVI Spectral Library", "ENVI Standard"))
    with pytest.raises(InputError, match="file type is 'ENVI Standard', not an ENVI Spectral"):
        read_library(str(tmp_path / "cube.sli"))
    (tmp_path / "lonely.sli").write_bytes(b"\0" * 16)
    with pytest.raises(InputError, match="no ENVI header"):
        read_library(str(tmp_path / "lonely.sli"))
    with pytest.raises(InputError, match="file not found"):
        read_library(str(tmp_path / "missing.csv"))
