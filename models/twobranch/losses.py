"""Training losses: reverse distillation (stage 1) and the optional separation of implanted
synthetic anomalies under RX.

The paper's stage-2 losses (decorrelation, restoration) trained a spatial branch that lowered
AUC in every configuration measured (docs/model.md); the shipped spatial branch is not trained,
so they are not part of hsad any more (they are in the history before the v0.2 house move).
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
