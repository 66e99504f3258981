"""Training losses: reverse distillation (stage 1), decorrelation and restoration (stage 2), and
the optional separation of implanted synthetic anomalies under RX (both stages).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def distillation_loss(teacher: list, student: list) -> torch.Tensor:
    """Sum over stages of the mean per-pixel (1 - cosine) between teacher and student features.

    FERD flattens whole maps into one vector per sample; per-pixel cosine (as in RD4AD) keeps
    the student from matching only the dominant pixels.
    """
    return sum((1.0 - F.cosine_similarity(t, s, dim=1)).mean() for t, s in zip(teacher, student))


def stage1_loss(x: torch.Tensor, out: dict, bce_weight: float = 0.1,
                mse_weight: float = 0.1) -> dict:
    """FERD's loss: distillation + 0.1 zero-centring BCE + 0.1 reconstruction MSE.

    The BCE takes the classifier's logit (FERD applies it to an already-sigmoided output).
    """
    logit = out["logit"]
    parts = {"distill": distillation_loss(out["teacher"], out["student"]),
             "bce": bce_weight * F.binary_cross_entropy_with_logits(logit, torch.zeros_like(logit)),
             "recon": mse_weight * F.mse_loss(out["reconstruction"], x)}
    return parts


def _standardise(a: torch.Tensor) -> torch.Tensor:
    """(batch, C, pixels) standardised per channel over batch and pixels."""
    mean = a.mean(dim=(0, 2), keepdim=True)
    std = a.std(dim=(0, 2), keepdim=True)
    return (a - mean) / (std + 1e-6)


def cross_covariance_loss(f_spe: torch.Tensor, f_spa: torch.Tensor) -> torch.Tensor:
    """Sum of squared cross-correlations between every F_spe and F_spa channel pair."""
    b, c = f_spe.shape[:2]
    a = _standardise(f_spe.flatten(2))
    s = _standardise(f_spa.flatten(2))
    k = torch.einsum("bik,bjk->ij", a, s) / (b * a.shape[2])
    return (k ** 2).sum()


def cosine_loss(f_spe: torch.Tensor, f_spa: torch.Tensor) -> torch.Tensor:
    """1 + mean per-pixel |cosine| over channels: minimal when the features are orthogonal.

    For non-negative features (the paper's) |cos| = cos; the absolute value keeps the loss a
    decorrelation (not an anti-alignment) when F_spa is signed.
    """
    return 1.0 + F.cosine_similarity(f_spe, f_spa, dim=1, eps=1e-6).abs().mean()


def variance_loss(f_spa: torch.Tensor, target: float = 1.0) -> torch.Tensor:
    """Hinge keeping each channel's spatial variance up, plus an L1 term keeping values small."""
    var = f_spa.flatten(2).var(dim=2).mean(dim=0)
    return F.relu(target - var).mean() + f_spa.abs().mean()


def _gaussian_window(size: int, sigma: float, channels: int, like: torch.Tensor) -> torch.Tensor:
    coords = torch.arange(size, dtype=like.dtype, device=like.device) - size // 2
    g = torch.exp(-coords ** 2 / (2 * sigma ** 2))
    g = g / g.sum()
    return (g[:, None] * g[None, :]).expand(channels, 1, size, size).contiguous()


def ssim_loss(x: torch.Tensor, y: torch.Tensor, window: int = 5, max_val: float = 1.0) -> torch.Tensor:
    """(1 - SSIM) / 2 with a Gaussian window (kornia's SSIMLoss, re-implemented)."""
    c = x.shape[1]
    w = _gaussian_window(window, 1.5, c, x)
    pad = window // 2

    def blur(t):
        return F.conv2d(F.pad(t, (pad,) * 4, mode="reflect"), w, groups=c)

    mx, my = blur(x), blur(y)
    sxx = blur(x * x) - mx ** 2
    syy = blur(y * y) - my ** 2
    sxy = blur(x * y) - mx * my
    c1, c2 = (0.01 * max_val) ** 2, (0.03 * max_val) ** 2
    ssim = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx ** 2 + my ** 2 + c1) * (sxx + syy + c2))
    return torch.clamp((1.0 - ssim) / 2.0, 0.0, 1.0).mean()


def decorrelation_losses(f_spe: torch.Tensor, f_spa: torch.Tensor) -> dict:
    """FERS's decorrelation: CCL + 0.1 cos + 0.1 var."""
    return {"ccl": cross_covariance_loss(f_spe, f_spa), "cos": 0.1 * cosine_loss(f_spe, f_spa),
            "var": 0.1 * variance_loss(f_spa)}


def stage2_loss(x: torch.Tensor, f_spe: torch.Tensor, f_spa: torch.Tensor,
                restored: torch.Tensor, decorrelation: bool = True) -> dict:
    """FERS: decorrelation + MSE + 0.01 SSIM (restoration of X from F_spa + F_spe)."""
    parts = {"mse": F.mse_loss(restored, x), "ssim": 0.01 * ssim_loss(restored, x)}
    if decorrelation:
        parts.update(decorrelation_losses(f_spe, f_spa))
    return parts


def spatial_prediction_loss(enhanced: torch.Tensor, f_spa: torch.Tensor) -> dict:
    """Context branch: F_spa should cancel the enhanced pixel (predict -Y from its rings)."""
    return {"predict": (enhanced + f_spa).pow(2).mean()}


def batch_rx(features: torch.Tensor, ridge: float = 1e-4) -> torch.Tensor:
    """(batch, H, W) squared Mahalanobis distance of each pixel to its own image's Gaussian."""
    b, k, h, w = features.shape
    z = features.flatten(2).double()
    z = z - z.mean(dim=2, keepdim=True)
    cov = z @ z.transpose(1, 2) / (z.shape[2] - 1)
    load = ridge * cov.diagonal(dim1=1, dim2=2).mean(dim=1)[:, None, None]
    cov = cov + load * torch.eye(k, dtype=cov.dtype, device=cov.device)
    solved = torch.linalg.solve(cov, z)
    return (z * solved).sum(dim=1).reshape(b, h, w).float()


def separation_loss(scores: torch.Tensor, implants: torch.Tensor, negatives: int = 512,
                    temperature: float = 0.5, threshold: float = 0.25) -> torch.Tensor:
    """Soft AUC: implanted pixels should outscore clean ones in RX of the enhanced image.

    ``implants`` holds each pixel's implanted abundance (0 = clean). Log scores make the loss
    indifferent to the images' overall score scale.
    """
    s = torch.log(scores.flatten(1).clamp_min(1e-6))
    a = implants.flatten(1)
    losses = []
    for i in range(s.shape[0]):
        pos = s[i][a[i] > threshold]
        neg = s[i][a[i] == 0]
        if pos.numel() == 0 or neg.numel() == 0:
            continue
        if neg.numel() > negatives:
            neg = neg[torch.randint(neg.numel(), (negatives,), device=neg.device)]
        losses.append(F.softplus((neg[None, :] - pos[:, None]) / temperature).mean())
    if not losses:
        return scores.sum() * 0.0
    return torch.stack(losses).mean()
