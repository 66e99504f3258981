"""A detection run's settings, shared by Processing, the command line and batches.

They sit with the methods, below the pipeline, so that a method family can extend them (a target
run is a detect run plus its target spectrum) without importing the pipeline that runs them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

from ..scenes.options import SceneOptions
from ..tiling import DEFAULT_TILE_SIZE
from . import DEFAULT_METHOD, create_detector, method_options
from .base import Detector


@dataclass
class DetectParameters:
    """Everything a user can set for one detection run (shared by Processing and the CLI).

    ``options`` holds the method's own options by name (local RX windows, a weights folder...),
    as its detector class declares them; missing ones take their defaults.
    """

    method: str = DEFAULT_METHOD
    bands: Optional[Sequence[int]] = None  # 1-based file bands; None = all usable bands
    drop_bad_bands: bool = True
    tile_size: int = DEFAULT_TILE_SIZE
    device: str = "auto"
    nodata: Optional[float] = None  # a raw value that also means nodata (besides the file's)
    options: dict = field(default_factory=dict)
    scene: SceneOptions = field(default_factory=SceneOptions)  # area, masks, wavelengths

    def method_options(self) -> dict:
        """This method's options, checked, with defaults filled in (other methods' dropped)."""
        return method_options(self.method, self.options)

    def detector(self) -> Detector:
        return create_detector(self.method, self.options, self.device)

    def score_description(self) -> str:
        """The score band's description in the output."""
        return f"anomaly score ({self.method})"

    def request(self) -> dict:
        """What was asked, in plain JSON types: recorded with the output, compared by batches."""
        return {"method": self.method, "bands": list(self.bands) if self.bands else None,
                "drop_bad_bands": self.drop_bad_bands, "nodata": self.nodata,
                "options": self.method_options(), "tile_size": self.tile_size,
                "device": self.device, "scene": self.scene.request()}
