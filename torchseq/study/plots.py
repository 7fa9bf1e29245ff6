"""Figures for the study tools (matplotlib, the optional ``plots`` extra: ``pip install torchseq[plots]``).

Every function draws into ``ax`` when given (else a new figure) and returns the matplotlib Figure.
"""
from __future__ import annotations

from typing import Dict, Optional, Sequence

import torch

from .. import plotting
from .._validate import check_bool, check_count


def _tensors(name: str, value, dims: int, what: str, single: str) -> Dict[str, torch.Tensor]:
    """A non-empty {label: tensor} dict whose tensors have ``dims`` dimensions: what ``what`` returns, as it
    returns it (one tensor, labelled ``single``; or trace's (outputs, internals) pair), or several in a dict."""
    if isinstance(value, torch.Tensor):
        value = {single: value}
    elif isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], dict):
        value = value[1]                                                             # trace(layer, x) -> (out, internals)
    if not isinstance(value, dict) or not value:
        raise TypeError(f"{name} must be what {what} returns, or a non-empty dict {{label: tensor}} of them, got "
                        f"{type(value).__name__}" + (" (empty)" if isinstance(value, dict) else ""))
    for label, t in value.items():
        if not isinstance(t, torch.Tensor) or t.dim() != dims or 0 in t.shape:
            shown = tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__
            raise ValueError(f"{name}[{label!r}] must be a non-empty {dims}-D tensor as {what} gives, got {shown}")
    return value


def _axes(ax, nrows: int = 1, figsize=(8, 3)):
    """(figure, list of axes): ``ax`` itself when given, else a new figure (constrained layout, so labels are
    never clipped when it is saved) of ``nrows`` panels."""
    if not plotting.available():                                                      # pragma: no cover - env
        raise ImportError("the study plots need matplotlib: pip install torchseq[plots]")
    if ax is not None:
        if not hasattr(ax, "figure") or not hasattr(ax, "plot"):
            raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
        return ax.figure, [ax] if nrows == 1 else ax
    fig, axes = plotting.new_figure(nrows, 1, panel=figsize, shown=True)
    return fig, list(axes[:, 0])


def _marks(marks) -> Dict[str, int]:
    """{label: step} of the events to mark on a time axis (a dict, or a list of steps)."""
    if marks is None:
        return {}
    if isinstance(marks, dict):
        items = marks.items()
    elif isinstance(marks, (list, tuple)):
        items = ((f"t = {t}", t) for t in marks)
    else:
        raise TypeError(f"marks must be a dict {{label: step}} or a list of steps, got {type(marks).__name__}")
    out = {}
    for label, t in items:
        if isinstance(t, bool) or not isinstance(t, int) or t < 0:
            raise ValueError(f"marks must hold time steps (ints >= 0), got {label!r}: {t!r}")
        out[str(label)] = t
    return out


def _mark_steps(ax, marks: Dict[str, int], k0: int = 0) -> None:
    for k, (label, t) in enumerate(marks.items()):
        ax.axvline(t, color=plotting.COLORS[(3 + k + k0) % len(plotting.COLORS)], linestyle="--", linewidth=1.4,
                   label=label)


NAMES = {"i": "input gate i", "f": "forget gate f", "o": "output gate o", "g": "candidate g", "c": "cell state c",
         "h": "hidden state h", "r": "reset gate r", "z": "update gate z", "n": "candidate n"}


def plot_trace(internals: Dict[str, torch.Tensor], entries: Optional[Sequence[str]] = None, sample: int = 0,
               marks=None):
    """Heat maps of traced internals over time (x axis) and units (y axis), one panel per entry, each named
    (``f``: "forget gate f") with its colour scale: internals {name: (N, L, H)} from
    :func:`torchseq.study.record_internals`, or the pair ``trace(layer, x)`` returns as it is.

    ``marks``: time steps to mark with a labelled vertical line on every panel, a dict {label: step} (e.g.
    ``{"marker to remember": 3}``) or a list of steps.
    """
    internals = _tensors("internals", internals, 3, "torchseq.trace", "h")
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
    marks = _marks(marks)
    fig, axes = _axes(None, len(entries), figsize=(8, 1.9))
    for ax, name in zip(axes, entries):
        values = internals[name][sample].detach().float().cpu().T.numpy()              # (H, L)
        lo, hi = (0.0, 1.0) if name in ("i", "f", "o", "r", "z") else (-1.0, 1.0)      # gates in (0, 1)
        image = ax.imshow(values, aspect="auto", cmap="viridis" if lo == 0 else "RdBu_r", vmin=lo, vmax=hi,
                          interpolation="nearest")
        ax.set_ylabel("unit")
        ax.set_title(NAMES.get(name, name), fontsize=9, loc="left")
        plotting.integer_ticks(ax, "both")
        fig.colorbar(image, ax=ax, pad=0.01, label="gate value" if lo == 0 else "value")
        _mark_steps(ax, marks)
    if marks:
        axes[0].legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False, ncol=len(marks))
    axes[-1].set_xlabel("time step t")
    fig.suptitle(f"sample {sample}: {len(entries)} internals over {values.shape[1]} steps", fontsize=10)
    return fig


def plot_gradient_norms(norms: Dict[str, torch.Tensor], ax=None, log: bool = True, marks=None):
    """||dL/dh_t|| against t: what :func:`gradient_norms` returns (one (L,) tensor), or several in a dict
    {label: (L,)} to compare layers; log scale by default; ``marks`` as in :func:`plot_trace`."""
    norms = _tensors("norms", norms, 1, "gradient_norms", "||dL/dh_t||")
    log = check_bool("log", log)
    marks = _marks(marks)
    fig, (ax,) = _axes(ax)
    for k, (label, values) in enumerate(norms.items()):
        ax.plot(values.detach().cpu().numpy(), label=label, markevery=max(1, len(values) // 15),
                **plotting.line_style(k))
    _mark_steps(ax, marks)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("time step t")
    ax.set_ylabel("mean ||dL/dh_t||" + (" (log scale)" if log else ""))
    ax.set_title("how much the loss at the last step depends on each step's state", fontsize=10)
    plotting.integer_ticks(ax)
    ax.grid(alpha=0.3)
    if len(norms) > 1 or marks:
        plotting.legend_outside(ax)
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
    """Keep-masks over time, one panel each: what :func:`masks_over_time` returns (an (L, D) tensor), or several
    in a dict {label: (L, D)}; kept entries light, dropped ones dark red, with a legend saying so and the share
    dropped in each panel's title. A variational mask is a set of horizontal stripes (the same units dropped
    at every step); a naive one is noise."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch
    masks = _tensors("masks", masks, 2, "masks_over_time", "mask")
    fig, axes = _axes(None, len(masks), figsize=(8, 1.8)) if ax is None else _axes(ax)
    colours = ListedColormap(["#8b0000", "#f2f2f2"])                                    # 0 dropped, 1 kept
    for ax_k, (label, mask) in zip(axes, masks.items()):
        kept = (mask.detach().cpu() > 0).T.float()                                     # (D, L)
        ax_k.imshow(kept.numpy(), aspect="auto", cmap=colours, vmin=0, vmax=1, interpolation="nearest")
        ax_k.set_ylabel("unit")
        ax_k.set_title(f"{label}: {1 - kept.mean().item():.0%} dropped", fontsize=9, loc="left")
        plotting.integer_ticks(ax_k, "both")
    axes[0].legend(handles=[Patch(color="#f2f2f2", ec="0.5", label="kept"), Patch(color="#8b0000", label="dropped")],
                   loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, fontsize=8, frameon=False)
    axes[-1].set_xlabel("time step t")
    return fig
