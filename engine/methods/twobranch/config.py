"""The shipped model's configuration: everything needed to rebuild its networks from the weights.

The configuration is stored in the weights manifest, so a loader never guesses an architecture.
It is plain data: the numpy inference reads it here, and the torch networks under ``models/``
are built from :meth:`ModelConfig.as_dict`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from .grid import BandGrid

ARCHITECTURE = "hsad-twobranch"
# 2: the score options (fused covariance loading, score filter); 3: the score filter's form.
# A version-2 manifest has no form and reads as the additive filter it was made with.
ARCHITECTURE_VERSION = 3
READABLE_VERSIONS = (2, 3)


# The `local_background` option of `twobranch` (off by default): the score becomes the local
# term alone with the ring's full covariance, the pixels scoring 4 or more (per degree of
# freedom, before the filter) left out of the rings. Chosen by the pre-registered rule on all
# 11 labelled scenes (`python -m hsad.research local-score-full`, docs/preregistration-v4.md
# addendum 1; held out: objects found at 0.1 % false alarms 0.633 against 0.475, AUC 0.9828).
LOCAL_BACKGROUND = {"local_weight": 1.0, "local_windows": (5, 21), "local_loading": 1.0,
                    "local_exclude_above": 4.0, "local_form": "full"}


LOCAL_FIELDS = ("local_weight", "local_windows", "local_loading", "local_exclude_above",
                "local_form")


@dataclass(frozen=True)
class ModelConfig:
    """Architecture, band grid, scaling and score of one two-branch model."""

    grid: BandGrid = field(default_factory=BandGrid)
    # spectral branch: 1x1 band projection -> the teacher's per-pixel stage -> projection P
    projected: int = 32
    spectral_widths: tuple = (64, 64, 96)  # teacher stages a, b, c (b and c train only)
    code: int = 96  # the distiller's bottleneck (training only)
    projection_hidden: int = 64
    # spatial (context) branch: rings of pixels around each pixel, never the pixel itself
    rings: tuple = ((3, 9), (9, 17), (17, 33))
    trunk: int = 32
    head_hidden: int = 64
    ring_mean_start: bool = True  # compression = identity, linear path = -(first ring mean)
    scaling: str = "standard"
    # The score: RX of X + F_spe + F_spa per degree of freedom, plus this weight times plain RX
    # on the scene's own bands per degree of freedom (what the 32-band grid smooths away).
    native_rx_weight: float = 2.0
    # The fused covariance loaded by this multiple of its mean eigenvalue before inversion.
    fused_loading: float = 0.0
    # The 3 x 3 score filter: its strength and its form (score_filter.py: "additive" adds this
    # weight times the 3 x 3 mean; "lift" only raises a pixel toward a higher 3 x 3 mean).
    score_filter: float = 0.0
    score_filter_form: str = "additive"
    # The local term (local_score.py): the score is s^(1 - local_weight) x L^local_weight
    # before the filter, L the distance to the background in a ring between centred windows
    # (guard, outer) in the whitened fused space, variances loaded by local_loading x their
    # mean; background = valid pixels scoring below local_exclude_above (0: all of them).
    # local_weight 0 (versions 2 and 3): no local term. local_form "full": the ring's full
    # covariance instead of a variance per direction (slow).
    local_weight: float = 0.0
    local_windows: tuple = (5, 21)
    local_loading: float = 1.0
    local_exclude_above: float = 0.0
    local_form: str = "diagonal"

    def __post_init__(self):
        from .score_filter import FORMS
        if self.score_filter_form not in FORMS:
            raise ValueError(f"unknown score filter form '{self.score_filter_form}' "
                             f"(choose from {', '.join(FORMS)})")
        inner, outer = self.local_windows
        if not 0.0 <= self.local_weight <= 1.0:
            raise ValueError(f"local_weight must be in [0, 1], got {self.local_weight}")
        if inner % 2 == 0 or outer % 2 == 0 or not 1 <= inner < outer:
            raise ValueError(f"local windows must be odd with the guard smaller than the outer "
                             f"window, got {inner} and {outer}")
        if self.local_loading < 0 or self.local_exclude_above < 0:
            raise ValueError("local_loading and local_exclude_above must not be negative")
        from .local_score import FORMS as LOCAL_FORMS
        if self.local_form not in LOCAL_FORMS:
            raise ValueError(f"unknown local form '{self.local_form}' "
                             f"(choose from {', '.join(LOCAL_FORMS)})")

    @property
    def bands(self) -> int:
        return self.grid.bands

    @property
    def local_reach(self) -> int:
        """Pixels around a pixel whose features its local term reads."""
        from .local_score import reach
        return reach(self.local_form, self.local_windows[1]) if self.local_weight else 0

    @property
    def score_margin(self) -> int:
        """Pixels around a pixel whose features its score reads (filter, then local term)."""
        return (1 if self.score_filter else 0) + self.local_reach

    def as_dict(self) -> dict:
        """Plain data for the manifest; without a local term its settings are left out, so a
        model without one writes the manifest versions 2 and 3 wrote (and read)."""
        d = asdict(self)
        d["grid"] = self.grid.as_dict()
        if not self.local_weight:
            for key in LOCAL_FIELDS:
                d.pop(key)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ModelConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown model configuration keys {unknown}")
        d = dict(d)
        d["grid"] = BandGrid.from_dict(d["grid"])
        for key in ("spectral_widths",):
            if key in d:
                d[key] = tuple(d[key])
        if "rings" in d:
            d["rings"] = tuple(tuple(int(v) for v in r) for r in d["rings"])
        if "local_windows" in d:
            d["local_windows"] = tuple(int(v) for v in d["local_windows"])
        return cls(**d)
