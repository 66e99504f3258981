"""The shipped networks' forward pass in numpy: what runs in every QGIS, with nothing to install.

At inference both branches are per-pixel layers (1x1 convolutions, eval-mode batch norm, ReLU)
plus box means for the spatial branch's rings, so numpy matrix products do all of it. The
weights are the torch ``state_dict``'s arrays under the same names
(``models/twobranch/network.py`` defines the layers); batch norm is folded into the convolution
before it when the weights are loaded. Arrays are (pixels, channels) float32, images
(rows, cols, channels).

Paths whose weights are exactly zero contribute exactly nothing and are skipped: the shipped
spatial branch starts as minus a ring mean, so its head and most of its pooled channels are
zero and cost nothing.
"""
from __future__ import annotations

from typing import Dict

import numpy as np

from ...linalg import matmul
from ...statistics import in_chunks
from .config import ModelConfig

BATCH_NORM_EPS = 1e-5  # torch's BatchNorm2d default


class Linear:
    """y = x @ W.T + b for (pixels, inputs) float32 x."""

    def __init__(self, weight: np.ndarray, bias=None):
        self.weight_t = np.ascontiguousarray(np.asarray(weight, np.float64).reshape(
            weight.shape[0], -1).T, dtype=np.float32)
        self.bias = None if bias is None else np.asarray(bias, np.float32)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        y = matmul(x, self.weight_t)
        if self.bias is not None:
            y += self.bias
        return y

    @property
    def is_zero(self) -> bool:
        return not self.weight_t.any() and (self.bias is None or not self.bias.any())


def conv_bn(arrays: Dict[str, np.ndarray], conv: str, norm: str) -> Linear:
    """A bias-free 1x1 convolution followed by eval-mode batch norm, as one linear map."""
    weight = np.asarray(arrays[f"{conv}.weight"], np.float64).reshape(
        arrays[f"{conv}.weight"].shape[0], -1)
    scale = np.asarray(arrays[f"{norm}.weight"], np.float64) / np.sqrt(
        np.asarray(arrays[f"{norm}.running_var"], np.float64) + BATCH_NORM_EPS)
    shift = np.asarray(arrays[f"{norm}.bias"], np.float64) - \
        np.asarray(arrays[f"{norm}.running_mean"], np.float64) * scale
    return Linear(weight * scale[:, None], shift)


def linear(arrays: Dict[str, np.ndarray], name: str) -> Linear:
    return Linear(arrays[f"{name}.weight"], arrays.get(f"{name}.bias"))


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0, out=x)


class SpectralBranch:
    """F_spe = P(teacher stage a(band projection(X))), per pixel."""

    def __init__(self, arrays: Dict[str, np.ndarray], prefix: str = "spectral"):
        p = prefix
        self.projection = linear(arrays, f"{p}.band_projection")
        self.stage = conv_bn(arrays, f"{p}.stage_a.0.0", f"{p}.stage_a.0.1")
        self.residual1 = conv_bn(arrays, f"{p}.stage_a.1.body.0.0", f"{p}.stage_a.1.body.0.1")
        self.residual2 = conv_bn(arrays, f"{p}.stage_a.1.body.1.0", f"{p}.stage_a.1.body.1.1")
        self.hidden = linear(arrays, f"{p}.projection.conv1")
        self.out = linear(arrays, f"{p}.projection.conv2")

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """(n, bands) F_spe of (n, bands) scaled grid spectra."""
        return in_chunks(self._forward, x)

    def _forward(self, x: np.ndarray) -> np.ndarray:
        a = relu(self.stage(self.projection(x)))
        a = relu(a + self.residual2(relu(self.residual1(a))))
        return relu(self.out(relu(self.hidden(a))))


class ContextBranch:
    """Ungated F_spa(Y): a prediction of -Y from rings of pixels around each pixel."""

    def __init__(self, arrays: Dict[str, np.ndarray], rings: tuple, prefix: str = "spatial"):
        p = prefix
        self.rings = tuple(tuple(r) for r in rings)
        self.compress = linear(arrays, f"{p}.compress")
        self.trunk = (conv_bn(arrays, f"{p}.trunk.0.0", f"{p}.trunk.0.1"),
                      conv_bn(arrays, f"{p}.trunk.1.0", f"{p}.trunk.1.1"))
        self.head_hidden = linear(arrays, f"{p}.head.0")
        self.head_out = linear(arrays, f"{p}.head.2")
        self.linear = linear(arrays, f"{p}.linear")
        self.se_hidden = linear(arrays, f"{p}.se.fc1")
        self.se_out = linear(arrays, f"{p}.se.fc2")
        compressed = self.compress.weight_t.shape[1]
        self.width = compressed + self.trunk[1].weight_t.shape[1]
        # pooled channel k belongs to ring k // width, feature k % width
        used = np.abs(self.linear.weight_t).sum(axis=1) > 0
        if not self.head_out.is_zero:
            used |= np.abs(self.head_hidden.weight_t).sum(axis=1) > 0
        self.used = used
        self.needs_trunk = bool(used.reshape(len(self.rings), self.width)[:, compressed:].any())
        kept = np.flatnonzero(used)  # the pooled channels any live weight reads
        self._linear_used = self.linear.weight_t[kept]
        self._head_used = None if self.head_out.is_zero else self.head_hidden.weight_t[kept]

    @property
    def radius(self) -> int:
        """Pixels of context F_spa reads on each side: the rings any live weight reads (the
        shipped branch, at its ring-mean start, reads only its first ring)."""
        per_ring = self.used.reshape(len(self.rings), self.width).any(axis=1)
        return max((outer // 2 for (_, outer), live in zip(self.rings, per_ring) if live),
                   default=0)

    def ungated(self, y: np.ndarray) -> np.ndarray:
        """(rows, cols, bands) ungated F_spa of an enhanced image Y (replicate edges)."""
        rows, cols, _ = y.shape
        c = self.compress(y.reshape(rows * cols, -1))
        if self.needs_trunk:
            t = relu(self.trunk[1](relu(self.trunk[0](c))))
            z = np.concatenate([c, t], axis=1)
        else:
            z = c
        z = z.reshape(rows, cols, -1)
        used = self.used.reshape(len(self.rings), self.width)
        pooled = np.empty((rows * cols, int(used.sum())), np.float32)
        column = 0
        for (inner, outer), channels in zip(self.rings, used):
            channels = np.flatnonzero(channels)
            if not len(channels):
                continue
            boxes = box_means(z[:, :, channels], [w for w in (inner, outer) if w > 0])
            ring = boxes[outer] * float(outer * outer)
            if inner > 0:
                ring -= boxes[inner] * float(inner * inner)
            ring /= float(outer * outer - inner * inner)
            pooled[:, column:column + len(channels)] = ring.reshape(rows * cols, -1)
            column += len(channels)
        out = matmul(pooled, self._linear_used)
        if self._head_used is not None:
            hidden = relu(matmul(pooled, self._head_used) + self.head_hidden.bias)
            out += self.head_out(hidden)
        return out.reshape(rows, cols, -1)

    def gates(self, spatial_mean: np.ndarray) -> np.ndarray:
        """(bands,) SE gates in (0, 1) from the scene-wide mean of ungated F_spa."""
        m = np.asarray(spatial_mean, np.float32).reshape(1, -1)
        z = self.se_out(relu(self.se_hidden(m)))[0].astype(np.float64)
        return 1.0 / (1.0 + np.exp(-z))


def box_means(image: np.ndarray, windows: list) -> dict:
    """{w: mean over the w x w window centred on each pixel} of a (rows, cols, channels) image,
    edges replicated as the torch layers pad them ("nearest"); odd windows.

    Sums of shifted slices, row sums shared between the windows: three times faster than
    running-mean filters here, where every line is short and the channels interleaved.
    """
    if any(w % 2 == 0 for w in windows):
        raise ValueError("box windows must be odd")
    rows, cols = image.shape[:2]
    reach = max(windows) // 2
    padded = np.pad(image, ((reach, reach), (0, 0), (0, 0)), mode="edge")
    column_sums = padded[reach:reach + rows].copy()  # over rows: half-width 0 so far
    covered = 0
    out = {}
    for w in sorted(set(windows)):
        half = w // 2
        for d in range(covered + 1, half + 1):
            column_sums += padded[reach - d:reach - d + rows]
            column_sums += padded[reach + d:reach + d + rows]
        covered = half
        wide = np.pad(column_sums, ((0, 0), (half, half), (0, 0)), mode="edge")
        box = wide[:, :cols].copy()
        for j in range(1, w):
            box += wide[:, j:j + cols]
        box /= np.float32(w * w)
        out[w] = box
    return out


class TwoBranchNetwork:
    """F_spe and ungated F_spa of a scaled grid image, and the SE gates."""

    def __init__(self, arrays: Dict[str, np.ndarray], config: ModelConfig):
        self.config = config
        self.spectral = SpectralBranch(arrays)
        self.context = ContextBranch(arrays, config.rings)

    @property
    def radius(self) -> int:
        return self.context.radius

    def __call__(self, x: np.ndarray) -> tuple:
        """(F_spe, ungated F_spa), each (rows, cols, bands) float32, of a (rows, cols, bands)
        scaled grid image."""
        rows, cols, bands = x.shape
        f_spe = self.spectral(x.reshape(-1, bands)).reshape(rows, cols, bands)
        return f_spe, self.context.ungated(x + f_spe)

    def gates(self, spatial_mean: np.ndarray) -> np.ndarray:
        return self.context.gates(spatial_mean)
