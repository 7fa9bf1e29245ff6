"""torchseq's recurrent layers against torch.nn in the same run: the fast path (default), the readable
reference path, and torch.nn (cuDNN on a GPU, oneDNN/MKL on a CPU), all with the same weights.

Forward and backward are timed separately (synchronising the device around each), after warm-up, over
``--repeats`` runs taken in turn (round-robin); medians and interquartile ranges. For each configuration:
LSTM and GRU (reset-after, torch.nn's form) in float32, and on CUDA also under bf16 autocast; the fast
path with dropout = recurrent_dropout = 0.25 against itself without; on CUDA also the fast path captured in
CUDA graphs (:func:`torchseq.fast.cuda_graphed`, forward and backward replayed); the peephole and layer-norm LSTMs
against the plain LSTM; and the training step's memory -- the bytes autograd saves for backward (any
device) and, on CUDA, the peak allocated memory. Results: JSON, a markdown table and a PNG of the ratios.

    python benchmarks/recurrent_vs_torch.py            # the four standard configurations and IMDB's reader
    python benchmarks/recurrent_vs_torch.py --quick    # small shapes, under a minute on a CPU
"""
from __future__ import annotations

import torch
from torch import nn

from timing import bench_main, cell, measured_on, median_ratio, pass_stats, plot_ratios, time_modules
import torchseq as ts
from torchseq.fast import choose, cuda_graphed, use_backend, use_reference_path
from torchseq.interop import from_torch

# (T, N, C, H): time steps, batch, input features, hidden units.
# The four standard configurations, then the IMDB reader of Deep Learning with Python.
CONFIGS = [(100, 64, 512, 512), (100, 64, 64, 128), (500, 32, 32, 32), (1000, 8, 256, 256), (500, 128, 128, 32)]
QUICK_CONFIGS = [(50, 16, 32, 32), (100, 32, 64, 64)]
KINDS = {"LSTM": nn.LSTM, "GRU": nn.GRU}


class ReferencePath(nn.Module):
    """The wrapped layer, run on the readable path (the backward follows the graph that path built)."""

    def __init__(self, layer: nn.Module):
        super().__init__()
        self.layer = layer

    def forward(self, x):
        with use_reference_path():
            return self.layer(x)


class EagerLoop(nn.Module):
    """The wrapped layer on the fast path's eager loops, never its fused Triton kernels."""

    def __init__(self, layer: nn.Module):
        super().__init__()
        self.layer = layer

    def forward(self, x):
        with use_backend("eager"):
            return self.layer(x)


class Autocast(nn.Module):
    """The wrapped module under bf16 autocast, without autocast's cast cache (which CUDA-graph capture
    forbids; the fast path casts its weights once per call anyway)."""

    def __init__(self, module: nn.Module):
        super().__init__()
        self.module = module

    def forward(self, x):
        with torch.autocast(x.device.type, dtype=torch.bfloat16, cache_enabled=False):
            return self.module(x)


def saved_bytes(module: nn.Module, x: torch.Tensor) -> int:
    """Bytes of the tensors autograd keeps for the backward of one training step (distinct storages)."""
    storages = {}

    def pack(t):
        storages[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = module(x)
    del out
    return sum(storages.values())


def peak_cuda_bytes(module: nn.Module, x: torch.Tensor) -> int:
    torch.cuda.synchronize(x.device)
    torch.cuda.reset_peak_memory_stats(x.device)
    base = torch.cuda.memory_allocated(x.device)
    out = module(x)
    (out[0] if isinstance(out, tuple) else out).sum().backward()
    torch.cuda.synchronize(x.device)
    module.zero_grad(set_to_none=True)
    return torch.cuda.max_memory_allocated(x.device) - base


def seeded(make):
    """make() with the global seed set first: every variant of one layer starts from the same weights."""
    torch.manual_seed(1)
    return make()


def graphed_into(modules: dict, result: dict, x: torch.Tensor, to_capture: dict) -> None:
    """Capture each module of ``to_capture`` and add it to ``modules`` under its name; a capture that fails
    leaves its name out and its error in ``result["graph_errors"]``."""
    for name, module in to_capture.items():
        graphed, error = graphed_or_error(module, x)
        if graphed is None:
            result.setdefault("graph_errors", {})[name] = error
        else:
            modules[name] = graphed


def ratios_if_timed(result: dict, times: dict, pairs: dict) -> None:
    """result[key] = median ratio of a over b, for each key: (a, b) of ``pairs`` whose modules were timed."""
    for key, (a, b) in pairs.items():
        if a in times and b in times:
            result[key] = median_ratio(times, a, b)


def graphed_or_error(module: nn.Module, x: torch.Tensor):
    """(the module captured by :func:`torchseq.fast.cuda_graphed` and run once, None) or (None, the error):
    a capture that fails costs its column, not the rest of a GPU run."""
    try:
        graphed = cuda_graphed(module, x)
        out = graphed(x)
        (out[0] if isinstance(out, tuple) else out).sum().backward()
        torch.cuda.synchronize(x.device)
        return graphed, None
    except Exception as error:                                                           # reported in the results
        return None, f"{type(error).__name__}: {error}"


def run(configs, repeats: int, warmup: int, device: torch.device):
    # Denormal floats: with the loss on the last output, gradients vanish over hundreds of steps into
    # subnormal numbers, which are 5-10x slower on x86 CPUs. oneDNN's LSTM flushes them in its kernel; here
    # every module runs with flush-to-zero, so all are timed on normal numbers alike.
    torch.set_flush_denormal(True)
    for (T, N, C, H) in configs:
        x = torch.randn(N, T, C, device=device, requires_grad=True)                  # (N, L, F)
        for kind, cls in KINDS.items():
            torch.manual_seed(0)
            reference = cls(C, H, batch_first=True, device=device)
            fast = from_torch(reference)
            modules = {"torch.nn": reference, "torchseq": fast, "readable": ReferencePath(fast)}
            result = {"kind": kind, "T": T, "N": N, "C": C, "H": H}
            cuda = device.type == "cuda"
            if cuda:
                modules.update({"torch.nn bf16": Autocast(reference), "torchseq bf16": Autocast(fast),
                                "torchseq eager": EagerLoop(fast)})
                result["kernel"] = choose(fast)[0].name                                 # Triton's or the eager loop
                graphed_into(modules, result, x, {"torchseq graphed": from_torch(reference),
                                                  "torchseq graphed bf16": Autocast(from_torch(reference))})
            times = time_modules(modules, x, repeats, warmup)
            for name, (fwd, bwd) in times.items():
                result[name] = pass_stats(fwd, bwd)
            result["ratio"] = median_ratio(times, "torchseq", "torch.nn")
            result["ratio_readable"] = median_ratio(times, "readable", "torch.nn")
            if cuda:
                result["ratio_bf16"] = median_ratio(times, "torchseq bf16", "torch.nn bf16")
                result["ratio_eager"] = median_ratio(times, "torchseq eager", "torch.nn")
                ratios_if_timed(result, times, {"ratio_graphed": ("torchseq graphed", "torch.nn"),
                                                "ratio_graphed_bf16": ("torchseq graphed bf16", "torch.nn bf16")})
                result["peak_bytes"] = {"torch.nn": peak_cuda_bytes(reference, x), "torchseq": peak_cuda_bytes(fast, x)}
            result["saved_bytes"] = {"torch.nn": saved_bytes(reference, x), "torchseq": saved_bytes(fast, x)}
            layer = getattr(ts, kind)
            variants = {"plain": lambda: layer(C, H, device=device),
                        "dropout": lambda: layer(C, H, dropout=0.25, recurrent_dropout=0.25, device=device)}
            if kind == "LSTM":
                variants.update(peephole=lambda: ts.PeepholeLSTM(C, H, device=device),
                                layer_norm=lambda: ts.LayerNormLSTM(C, H, device=device))
            built = {name: seeded(make) for name, make in variants.items()}
            if cuda:
                graphed_into(built, result, x, {f"{name} graphed": seeded(make) for name, make in variants.items()})
            vt = time_modules(built, x, repeats, warmup)
            for name in variants:
                if name != "plain":
                    ratios_if_timed(result, vt, {f"ratio_{name}": (name, "plain"),
                                                 f"ratio_{name}_graphed": (f"{name} graphed", "plain graphed")})
            print(f"{kind:<5} T={T:<5} N={N:<3} C={C:<4} H={H:<4} torch.nn {result['torch.nn']['total']['median_ms']:9.2f} ms"
                  f"  torchseq {result['torchseq']['total']['median_ms']:9.2f} ms  ratio {result['ratio']:.2f}x"
                  f"  (readable {result['ratio_readable']:.2f}x, dropout {result['ratio_dropout']:.2f}x)", flush=True)
            yield result


def markdown(rows, info: dict, repeats: int) -> str:
    cuda = "ratio_bf16" in rows[0]
    lines = [measured_on(info) + f"; forward and backward, median (IQR) of {repeats} runs, ms. Ratios are "
             "fwd+bwd medians, torchseq / torch.nn (fast path unless marked readable; CUDA-graphed: the fast path "
             "captured by torchseq.fast.cuda_graphed, against eager torch.nn; on CUDA the default fast path takes the "
             "fused Triton kernels where they apply (column kernel), and the eager-loop ratio times the eager loops "
             "alone). Denormals flushed to zero for every module (torch.set_flush_denormal).", "",
             "| layer | T | N | C | H | torch.nn fwd | torch.nn bwd | torchseq fwd | torchseq bwd | ratio | readable ratio"
             + (" | CUDA-graphed ratio | bf16 ratio | bf16 CUDA-graphed ratio | eager-loop ratio | kernel" if cuda else "")
             + " |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | ---" + (" | --- | --- | --- | --- | ---" if cuda else "")
             + " |"]
    for r in rows:
        a, b = r["torch.nn"], r["torchseq"]
        lines.append(f"| {r['kind']} | {r['T']} | {r['N']} | {r['C']} | {r['H']} | {cell(a['forward'])} | "
                     f"{cell(a['backward'])} | {cell(b['forward'])} | {cell(b['backward'])} | **{r['ratio']:.2f}x** | "
                     f"{r['ratio_readable']:.2f}x"
                     + (f" | {graphed_cell(r, 'ratio_graphed', 'torchseq graphed')} | {r['ratio_bf16']:.2f}x"
                        f" | {graphed_cell(r, 'ratio_graphed_bf16', 'torchseq graphed bf16')}"
                        f" | {r['ratio_eager']:.2f}x | {r['kernel'].rsplit('.', 1)[-1]}" if cuda else "") + " |")
    lines += ["", "Variants against torchseq's own plain layer" + (" (eager; CUDA-graphed against CUDA-graphed in "
              "brackets)" if cuda else "") + ":", "",
              "| layer | T | N | C | H | dropout 0.25/0.25 vs none | peephole / LSTM | layer-norm / LSTM | "
              "saved for backward, torchseq / torch.nn" + (" | peak CUDA memory, torchseq / torch.nn" if cuda else "") + " |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | ---" + (" | ---" if cuda else "") + " |"]
    for r in rows:
        saved = r["saved_bytes"]
        extra = (f" | {r['peak_bytes']['torchseq'] / r['peak_bytes']['torch.nn']:.2f}x" if cuda else "")
        lines.append(f"| {r['kind']} | {r['T']} | {r['N']} | {r['C']} | {r['H']} | {variant_cell(r, 'dropout')} | "
                     f"{variant_cell(r, 'peephole')} | {variant_cell(r, 'layer_norm')} | "
                     f"{saved['torchseq'] / 2**20:.1f} / {saved['torch.nn'] / 2**20:.1f} MiB{extra} |")
    errors = {f"{r['kind']} {r['T']}/{r['N']}/{r['C']}/{r['H']} {name}": error
              for r in rows for name, error in r.get("graph_errors", {}).items()}
    if errors:
        lines += ["", "CUDA-graph captures that failed:", ""] + [f"- {k}: {e}" for k, e in errors.items()]
    return "\n".join(lines) + "\n"


def graphed_cell(row: dict, key: str, name: str) -> str:
    """A CUDA-graphed ratio, or that its capture failed (the error is listed under the tables)."""
    return f"{row[key]:.2f}x" if key in row else ("capture failed" if name in row.get("graph_errors", {}) else "-")


def variant_cell(row: dict, name: str) -> str:
    """'1.17x' for the eager ratio of variant ``name``, '1.17x (1.05x)' with its CUDA-graphed one, '-' if absent."""
    if f"ratio_{name}" not in row:
        return "-"
    graphed = row.get(f"ratio_{name}_graphed")
    return f"{row[f'ratio_{name}']:.2f}x" + (f" ({graphed:.2f}x)" if graphed is not None else "")


def plot(rows, path):
    return plot_ratios(path, [f"{r['kind']}\n{r['T']}/{r['N']}/{r['C']}/{r['H']}" for r in rows],
                       {"fast path": [r["ratio"] for r in rows], "readable path": [r["ratio_readable"] for r in rows],
                        **({"CUDA-graphed fast path": [r["ratio_graphed"] for r in rows]} if all("ratio_graphed" in r for r in rows) else {})},
                       "torchseq / torch.nn, forward + backward (T/N/C/H)")


def main() -> None:
    bench_main(__doc__, "recurrent_vs_torch", run, markdown, CONFIGS, QUICK_CONFIGS, plot=plot)


if __name__ == "__main__":
    main()
