"""How an output was made: the ``HSAD_*`` metadata hsad writes into every raster it makes.

One dataclass owns the keys: the score writer records a :class:`Provenance`, and thresholding,
evaluation, the batch's "is this output complete and made the same way?" check and the layer
names read it back, so a result can always be traced to what made it, even when it was made by
the command line on another machine.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, fields

from ..version import __version__
from .gdal_env import gdal

# metadata key -> field; dict-valued fields are stored as JSON text
KEYS = {"HSAD_VERSION": "hsad_version", "HSAD_METHOD": "method", "HSAD_SOURCE": "source",
        "HSAD_MODEL_VERSION": "model_version", "HSAD_DEVICE": "device",
        "HSAD_REQUEST": "request", "HSAD_PARAMETERS": "parameters", "HSAD_RULE": "rule",
        "HSAD_AREA": "area"}
# known only once the run has finished (a target detector's spectrum is resolved during it)
FINAL_KEYS = ("HSAD_MODEL_VERSION", "HSAD_DEVICE", "HSAD_PARAMETERS")
SCORE_PREFIX = "HSAD_SCORE_"  # score statistics, written when the file is complete


@dataclass
class Provenance:
    method: str = ""
    source: str = ""  # absolute path of the scene (or score raster) it was made from
    model_version: str = ""
    device: str = ""
    hsad_version: str = __version__
    request: dict = field(default_factory=dict)  # what the user asked (DetectParameters.request)
    parameters: dict = field(default_factory=dict)  # what the detector used
    rule: str = ""  # the threshold rule of a mask
    area: dict = field(default_factory=dict)  # the area of interest and what was excluded
    statistics: dict = field(default_factory=dict)  # score statistics (HSAD_SCORE_*)

    def metadata(self, final: bool = False) -> dict:
        """{key: text} to write; ``final``: only what is known at the end of a run."""
        out = {}
        for key, name in KEYS.items():
            if final != (key in FINAL_KEYS):
                continue
            value = getattr(self, name)
            if value in ("", {}, None) and key not in FINAL_KEYS:
                continue
            out[key] = json.dumps(value, sort_keys=True) if isinstance(value, dict) else \
                _text(str(value))
        return out

    @classmethod
    def from_metadata(cls, metadata: dict) -> "Provenance":
        found = cls(hsad_version="")
        names = {f.name for f in fields(cls)}
        for key, name in KEYS.items():
            text = metadata.get(key)
            if text is None or name not in names:
                continue
            if isinstance(getattr(found, name), dict):
                try:
                    value = json.loads(text)
                except ValueError:
                    value = {}
                setattr(found, name, value if isinstance(value, dict) else {})
            else:
                setattr(found, name, _from_text(str(text)))
        for key, text in metadata.items():
            if key.startswith(SCORE_PREFIX):
                try:
                    found.statistics[key[len(SCORE_PREFIX):].lower()] = float(text)
                except (TypeError, ValueError):
                    pass
        return found

    @property
    def made_by_hsad(self) -> bool:
        return bool(self.method)

    def describe(self, path: str) -> str:
        """One log line: what made this raster, or that hsad did not."""
        if not self.made_by_hsad:
            return f"{path}: no hsad metadata (scores made elsewhere; used as they are)"
        return (f"{path}: scores by hsad {self.hsad_version or '?'}, method {self.method}, model "
                f"version {self.model_version or 'none'}, device {self.device or 'cpu'}")


def _text(value: str) -> str:
    """Metadata is UTF-8 text: a file name that is not (its bytes held as surrogates) is kept
    as a JSON string, which reads back to the same name."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return json.dumps(value)


def _from_text(text: str) -> str:
    if text.startswith('"'):
        try:
            value = json.loads(text)
            return value if isinstance(value, str) else text
        except ValueError:
            return text
    return text


def read_provenance(path: str) -> Provenance:
    """The provenance recorded in a raster (empty fields when it has none or cannot be read)."""
    from .gdal_env import gdal_path
    try:
        ds = gdal().Open(gdal_path(path))
        metadata = ds.GetMetadata() or {}
        ds = None
    except RuntimeError:
        metadata = {}
    return Provenance.from_metadata(metadata)


def statistics_metadata(statistics: dict) -> dict:
    """{HSAD_SCORE_<NAME>: text} for a ScoreSummary.as_dict() (counts exact, values to 6 digits)."""
    return {f"{SCORE_PREFIX}{k.upper()}": (str(int(v)) if k == "valid_pixels" else f"{v:.6g}")
            for k, v in statistics.items()}


def describe_provenance(path: str) -> str:
    return read_provenance(path).describe(path)


def score_provenance(path: str) -> dict:
    """{method, model_version, device, hsad_version, source} of a raster ('' if absent)."""
    p = read_provenance(path)
    return {"method": p.method, "model_version": p.model_version, "device": p.device,
            "hsad_version": p.hsad_version, "source": p.source}
