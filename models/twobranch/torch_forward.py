"""The shipped networks on a GPU: the same forward as the numpy inference, run by PyTorch.

Used only for ``--device cuda`` (or ``auto`` on a machine with a GPU and PyTorch). It takes the
numpy archive's arrays and returns numpy arrays, so the engine does everything else (band grid,
scaling, statistics, RX) exactly as on the CPU.
"""
from __future__ import annotations

import numpy as np
import torch

from .network import TwoBranchModel, load_arrays


def cuda_available() -> bool:
    return bool(torch.cuda.is_available())


class TorchTwoBranch:
    """(F_spe, ungated F_spa) of (rows, cols, bands) scaled grid images, on ``device``."""

    def __init__(self, arrays: dict, config: dict, device: str = "cuda"):
        self.device = device
        self.model = load_arrays(TwoBranchModel(config), arrays).to(device).eval()

    @property
    def radius(self) -> int:
        return self.model.radius

    def __call__(self, x: np.ndarray) -> tuple:
        with torch.inference_mode():
            t = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))[None].to(self.device)
            f_spe, f_spa = self.model(t)
            return tuple(f[0].permute(1, 2, 0).float().cpu().numpy() for f in (f_spe, f_spa))

    def gates(self, spatial_mean: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            mean = torch.as_tensor(np.asarray(spatial_mean), dtype=torch.float32,
                                   device=self.device)
            return self.model.gates(mean).double().cpu().numpy()
