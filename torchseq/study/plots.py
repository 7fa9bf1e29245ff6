"""Figures for the study tools (matplotlib, the optional ``plots`` extra: ``pip install torchseq[plots]``).

Every function draws into ``ax`` when given (else a new figure) and returns the matplotlib Figure.
"""
from __future__ import annotations

from typing import Dict, Optional, Sequence

import torch

from .._validate import check_bool, check_count


def _tensors(name: str, value, dims: int, what: str) -> Dict[str, torch.Tensor]:
    """A non-empty {label: tensor} dict whose tensors have ``dims`` dimensions (what ``what`` returns)."""
    if not isinstance(value, dict) or not value:
        raise TypeError(f"{name} must be a non-empty dict {{label: tensor}} as {what} gives, got "
                        f"{type(value).__name__}" + (" (empty)" if isinstance(value, dict) else ""))
    for label, t in value.items():
        if not isinstance(t, torch.Tensor) or t.dim() != dims or 0 in t.shape:
            shown = tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__
            raise ValueError(f"{name}[{label!r}] must be a non-empty {dims}-D tensor as {what} gives, got {shown}")
    return value


def _axes(ax, nrows: int = 1, figsize=(8, 3)):
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:                                                      # pragma: no cover - env
        raise ImportError("the study plots need matplotlib: pip install torchseq[plots]") from error
    if ax is not None:
        if not hasattr(ax, "figure") or not hasattr(ax, "plot"):
            raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
        return ax.figure, [ax] if nrows == 1 else ax
    fig, axes = plt.subplots(nrows, 1, figsize=(figsize[0], figsize[1] * nrows), squeeze=False)
    return fig, list(axes[:, 0])


def plot_trace(internals: Dict[str, torch.Tensor], entries: Optional[Sequence[str]] = None, sample: int = 0):
    """Heat maps of traced internals over time (x axis) and units (y axis), one panel per entry:
    internals {name: (N, L, H)} from :func:`torchseq.trace` / :func:`torchseq.record_internals`."""
    internals = _tensors("internals", internals, 3, "torchseq.trace")
    if entries is not None and (isinstance(entries, str) or not isinstance(entries, (list, tuple))):
        raise TypeError(f"entries must be a list of internals' names, got {type(entries).__name__} {entries!r}")
    entries = [k for k in internals if not k.endswith("_mask")] if entries is None else list(entries)
    if not entries:
        raise ValueError("entries must name at least one of internals' entries")
    samples = next(iter(internals.values())).shape[0]
    if check_count("sample", sample) >= samples:
        raise ValueError(f"sample must be in [0, {samples}), got {sample}")
    missing = [k for k in entries if k not in internals]
    if missing:
        raise ValueError(f"entries {missing} are not in the trace; it has {sorted(internals)}")
    fig, axes = _axes(None, len(entries), figsize=(8, 1.8))
    for ax, name in zip(axes, entries):
        values = internals[name][sample].detach().float().cpu().T.numpy()              # (H, L)
        lo, hi = (0.0, 1.0) if name in ("i", "f", "o", "r", "z") else (-1.0, 1.0)      # gates in (0, 1)
        image = ax.imshow(values, aspect="auto", cmap="viridis" if lo == 0 else "RdBu_r", vmin=lo, vmax=hi,
                          interpolation="nearest")
        ax.set_ylabel(f"{name}\nunit")
        fig.colorbar(image, ax=ax, pad=0.01)
    axes[-1].set_xlabel("time step t")
    fig.tight_layout()
    return fig


def plot_gradient_norms(norms: Dict[str, torch.Tensor], ax=None, log: bool = True):
    """||dL/dh_t|| against t for several layers ({label: (L,) from gradient_norms}), log scale by default."""
    norms = _tensors("norms", norms, 1, "gradient_norms")
    log = check_bool("log", log)
    fig, (ax,) = _axes(ax)
    for label, values in norms.items():
        ax.plot(values.detach().cpu().numpy(), label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("time step t")
    ax.set_ylabel("mean ||dL/dh_t||")
    ax.legend()
    return fig


def plot_receptive_field(levels: Sequence[torch.Tensor], ax=None, names: Optional[Sequence[str]] = None):
    """The dilation diagram: one row of dots per level (input at the bottom), filled where the level
    feeds the chosen output (levels from :func:`receptive_field_map`)."""
    if not isinstance(levels, (list, tuple)) or not levels or not all(
            isinstance(s, torch.Tensor) and s.dim() == 1 and s.dtype == torch.bool for s in levels):
        raise TypeError(f"levels must be the non-empty list of 1-D bool tensors receptive_field_map returns, got "
                        f"{type(levels).__name__}")
    if names is not None and (isinstance(names, str) or not isinstance(names, (list, tuple))
                              or len(names) != len(levels) or not all(isinstance(n, str) for n in names)):
        raise TypeError(f"names must be a list of {len(levels)} str, one per level, got {names!r:.60}")
    fig, (ax,) = _axes(ax, figsize=(8, 0.45 * len(levels) + 1))
    for k, seen in enumerate(levels):
        t = torch.arange(seen.shape[0])
        ax.scatter(t.numpy(), [k] * len(t), s=14, facecolors="none", edgecolors="0.7")
        ax.scatter(t[seen].numpy(), [k] * int(seen.sum()), s=14, color="C0")
    labels = list(names) if names is not None else ["input"] + [f"layer {k}" for k in range(1, len(levels))]
    ax.set_yticks(range(len(levels)), labels)
    ax.set_xlabel("position")
    ax.set_title(f"receptive field: {int(levels[0].sum())} input steps")
    return fig


def plot_masks(masks: Dict[str, torch.Tensor], ax=None):
    """Keep-masks over time side by side ({label: (L, D) from masks_over_time}): dark = dropped."""
    masks = _tensors("masks", masks, 2, "masks_over_time")
    fig, axes = _axes(None, len(masks), figsize=(8, 1.6)) if ax is None else _axes(ax)
    for ax_k, (label, mask) in zip(axes, masks.items()):
        ax_k.imshow((mask.detach().cpu() > 0).T.float().numpy(), aspect="auto", cmap="gray", vmin=0, vmax=1,
                    interpolation="nearest")
        ax_k.set_ylabel(f"{label}\nunit")
    axes[-1].set_xlabel("time step t")
    fig.tight_layout()
    return fig
