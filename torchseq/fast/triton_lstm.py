r"""The LSTM's and the peephole LSTM's fused Triton kernels behind autograd Functions: one launch for the forward
loop, one for the backward loop (:mod:`torchseq.fast.triton_kernels.lstm_kernels` holds the kernels, their
equations and buffers).

The LSTM's Function takes what :class:`~torchseq.fast.lstm.LSTMFunction` takes, in torch.nn's layout: xp
(L, D*N, 4H), h0 and c0 (D*N, H), W_h (4H, H) -- or (D, 4H, H) for D directions stacked along the batch --
the recurrent mask (1 | 4, D*N, H) or None, and ``last`` (D*N,), each sample's final step, or None. dL/dxp
comes out of the backward kernel; dW_h = sum_t da_t^T (m h_{t-1}) is one product after it, as on the eager
path. Importing this module does not import triton: the kernels are compiled on the first launch.
"""
from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

from ..cells.layer_norm_lstm import LayerNormLSTMCell
from ..cells.lstm import LSTMCell
from ..cells.peephole_lstm import PeepholeLSTMCell
from .backend import interpreting, triton_allowed
from .kernel import Kernel
from .product import recurrent_weight_grad, rows_product

# The largest hidden size the kernels keep on chip: four (H, H) gate blocks of W_h per program. Every
# configuration launch_config can return is compiled for sm_80 and sm_90 by tests/triton/test_compile.py,
# which checks that it fits the target's shared memory and spills no register.
MAX_HIDDEN = 64
MAX_HIDDEN_PEEPHOLE = 32                       # the peephole backward's 16 x 64 and 32 x 16 tiles spill on sm_90
MAX_HIDDEN_LAYER_NORM = 32                     # the layer-norm LSTM's 16 x 64 backward spills, and overflows sm_80
# The input types the kernels take on a GPU; float64 too under Triton's interpreter (the tests' precision). 16-bit
# inputs are widened to float32 on load: the products accumulate, and the cell state and the saved activations
# are kept, in float32.
DTYPES = (torch.float32, torch.bfloat16, torch.float16)
HALF = (torch.bfloat16, torch.float16)

# (BLOCK_N, BLOCK_H) -> warps per program: the fewest that keep every kernel free of register spills on both
# targets (4 warps spill in the 16 x 16 backward; the layer-norm LSTM's 16 x 16 backward spills on sm_80 even with
# 8, so it takes 32 samples a program there).
WARPS = {(16, 16): 8, (16, 32): 4, (16, 64): 8, (32, 16): 8}


def launch_config(H: int, peephole: bool = False, layer_norm: bool = False):
    """(BLOCK_N, BLOCK_H, num_warps): samples per program, the padded hidden size (powers of two, at least 16,
    the smallest sizes ``tl.dot`` takes) and the warps per program. 16 samples a program: each program runs its
    samples' whole loop, so at the batch sizes recurrent nets train with, more and smaller tiles keep more of
    the GPU busy (32-sample tiles also spill at 64 units, and at 32 units with TF32 products). The layer-norm
    LSTM takes 32 samples a program up to 16 units."""
    limit = MAX_HIDDEN_LAYER_NORM if layer_norm else MAX_HIDDEN_PEEPHOLE if peephole else MAX_HIDDEN
    if not 1 <= H <= limit:
        kind = "layer-norm LSTM " if layer_norm else "peephole " if peephole else ""
        raise ValueError(f"the Triton {kind}kernels take 1 to {limit} hidden units, got {H}")
    block_h = max(16, 1 << (H - 1).bit_length())
    block_n = 32 if layer_norm and block_h == 16 else 16
    return block_n, block_h, WARPS[block_n, block_h]


def launch_configs(peephole: bool = False, layer_norm: bool = False):
    """Every (BLOCK_N, BLOCK_H, num_warps) that :func:`launch_config` returns: what the ahead-of-time check
    compiles, for every input type and product precision."""
    limit = MAX_HIDDEN_LAYER_NORM if layer_norm else MAX_HIDDEN_PEEPHOLE if peephole else MAX_HIDDEN
    return sorted({launch_config(H, peephole, layer_norm) for H in range(1, limit + 1)})


def precisions(dtype: torch.dtype):
    """The products' input precisions the kernels may run for inputs of this dtype (see :func:`_precision`)."""
    return ("tf32",) if dtype in HALF else ("ieee", "tf32") if dtype == torch.float32 else ("ieee",)


def _precision(t: torch.Tensor) -> str:
    """``tl.dot``'s input precision for inputs of t's dtype: TF32 where PyTorch's own float32 products may use it,
    and for 16-bit inputs (whose weights TF32 holds exactly; h_{t-1} keeps 3 more bits than the input type's)."""
    tf32 = t.is_cuda and (t.dtype in HALF or (t.dtype == torch.float32 and torch.backends.cuda.matmul.allow_tf32))
    return "tf32" if tf32 else "ieee"


def _arithmetic(t: torch.Tensor) -> torch.dtype:
    """The type the kernels compute in and keep their saved activations in, for inputs of t's dtype: float64 for
    float64, float32 for everything else."""
    return torch.float64 if t.dtype == torch.float64 else torch.float32


def _options(t: torch.Tensor, H: int, peephole: bool = False, layer_norm: bool = False) -> dict:
    """The launch's tile, precision, arithmetic type and warps for H units in t's dtype and device: keyword
    arguments of every kernel of this family; the grid is (cdiv(N, BLOCK_N), D)."""
    import triton.language as tl
    precision = _precision(t)
    block_n, block_h, warps = launch_config(H, peephole, layer_norm)
    acc = tl.float64 if _arithmetic(t) == torch.float64 else tl.float32
    return dict(BLOCK_N=block_n, BLOCK_H=block_h, PRECISION=precision, ACC=acc, num_warps=warps)


def sizes(t: torch.Tensor, weight: torch.Tensor):
    """(L, D*N, H, D, N) for a sequence t (L, D*N, ...) and W_h (G*H, H), or (D, G*H, H) for D directions stacked
    along the batch."""
    L, DN = t.shape[:2]
    D = 1 if weight.dim() == 2 else weight.shape[0]
    return L, DN, weight.shape[-1], D, DN // D


def _mask_mode(mask) -> int:
    return 0 if mask is None else (1 if mask.shape[0] == 1 else 2)


def _forward(ctx, xp, h0, c0, weight, peepholes, mask, last):
    """Launch the forward kernel; save what the backward reads -> (hs, c_last). ``peepholes``: (3, H) or None."""
    from .triton_kernels import lstm_kernels
    ctx.set_materialize_grads(False)
    L, DN, H, D, N = sizes(xp, weight)
    xp, weight = xp.contiguous(), weight.contiguous()
    h0, c0 = h0.contiguous(), c0.contiguous()
    mask = None if mask is None else mask.contiguous()
    acc = _arithmetic(xp)
    acts = xp.new_empty(L, DN, 4 * H, dtype=acc)                                      # (L, D*N, 4H): i, f, g, o
    cs, hs = xp.new_empty(L, DN, H, dtype=acc), xp.new_empty(L, DN, H)                # c_t, h_t
    options = _options(xp, H, peephole=peepholes is not None)
    lstm_kernels.lstm_forward[(-(-N // options["BLOCK_N"]), D)](
        xp, h0, c0, weight, xp if mask is None else mask, xp if peepholes is None else peepholes, acts, cs, hs,
        L, N, H, D, MASK=_mask_mode(mask), PEEPHOLE=peepholes is not None, **options)
    c_last = (cs[-1] if last is None else cs[last, torch.arange(DN, device=xp.device)]).to(xp.dtype, copy=True)
    ctx.save_for_backward(acts, cs, hs, h0, c0, weight, peepholes, mask, last)
    return hs, c_last


def _backward(ctx, d_hs, d_c_last):
    """Launch the backward kernel -> (dL/dxp, dL/dh0, dL/dc0, dL/dW_h, and (3, H) dL/dpeepholes or None)."""
    from .triton_kernels import lstm_kernels
    acts, cs, hs, h0, c0, weight, peepholes, mask, last = ctx.saved_tensors
    L, DN, H, D, N = sizes(cs, weight)
    da = acts.new_empty(acts.shape, dtype=weight.dtype)                               # (L, D*N, 4H): dL/dxp
    d_h0, d_c0 = torch.empty_like(h0), torch.empty_like(c0)
    options = _options(weight, H, peephole=peepholes is not None)
    lstm_kernels.lstm_backward[(-(-N // options["BLOCK_N"]), D)](
        acts, cs, c0, weight, acts if mask is None else mask, acts if peepholes is None else peepholes,
        acts if d_hs is None else d_hs.contiguous(), c0 if d_c_last is None else d_c_last.contiguous(),
        acts if last is None else last, da, d_h0, d_c0, L, N, H, D, MASK=_mask_mode(mask),
        PEEPHOLE=peepholes is not None, HAS_D_HS=d_hs is not None, HAS_D_C_LAST=d_c_last is not None,
        HAS_LAST=last is not None, **options)
    d_weight = recurrent_weight_grad(rows_product(weight, mask), da, h0, hs)                              # (4H, H) or (D, 4H, H)
    d_peepholes = None
    if peepholes is not None:
        c_prev = torch.cat([c0.unsqueeze(0), cs[:-1]])                                # c_{t-1} for every t
        da_i, da_f, _, da_o = da.split(H, dim=-1)                                      # (L, N, H) each
        d_peepholes = torch.stack([(da_i * c_prev).sum((0, 1)), (da_f * c_prev).sum((0, 1)),
                                   (da_o * cs).sum((0, 1))]).to(peepholes.dtype)
    return da, d_h0, d_c0, d_weight, d_peepholes


class TritonLSTMFunction(torch.autograd.Function):
    """(xp (L, D*N, 4H), h0, c0 (D*N, H), W_h (4H, H) | (D, 4H, H), mask (1|4, D*N, H) or None, last (D*N,)
    or None) -> (h_t for every t (L, D*N, H), the cell state at step ``last`` (D*N, H))."""

    @staticmethod
    def forward(ctx, xp, h0, c0, weight, mask, last):
        return _forward(ctx, xp, h0, c0, weight, None, mask, last)

    @staticmethod
    @once_differentiable
    def backward(ctx, d_hs, d_c_last):
        return (*_backward(ctx, d_hs, d_c_last)[:4], None, None)


class TritonPeepholeLSTMFunction(torch.autograd.Function):
    """(xp (L, N, 4H), h0, c0 (N, H), W_h (4H, H), w_ci, w_cf, w_co (H,), mask (1|4, N, H) or None, last (N,) or
    None) -> (h_t for every t (L, N, H), the cell state at step ``last`` (N, H)): the LSTM's kernels with the
    peephole terms (Gers & Schmidhuber 2000)."""

    @staticmethod
    def forward(ctx, xp, h0, c0, weight, w_ci, w_cf, w_co, mask, last):
        return _forward(ctx, xp, h0, c0, weight, torch.stack([w_ci, w_cf, w_co]).contiguous(), mask, last)

    @staticmethod
    @once_differentiable
    def backward(ctx, d_hs, d_c_last):
        d_xp, d_h0, d_c0, d_weight, d_peepholes = _backward(ctx, d_hs, d_c_last)
        return d_xp, d_h0, d_c0, d_weight, *d_peepholes.unbind(0), None, None


def runs_triton(cell) -> bool:
    """Whether the backend in force lets a Triton kernel run this cell: its device allowed, its dtype one the
    kernels take, no autocast."""
    device, dtype = cell.weight_hh.device.type, cell.weight_hh.dtype
    precise = dtype in DTYPES or (dtype == torch.float64 and interpreting())
    return triton_allowed(device) and precise and not torch.is_autocast_enabled(device)


def on_chip(cell) -> bool:
    """Whether the cell's W_h fits on chip for the persistent kernels (up to MAX_HIDDEN units, the peephole
    LSTM's MAX_HIDDEN_PEEPHOLE, the layer-norm LSTM's MAX_HIDDEN_LAYER_NORM)."""
    limit = (MAX_HIDDEN_PEEPHOLE if isinstance(cell, PeepholeLSTMCell)
             else MAX_HIDDEN_LAYER_NORM if isinstance(cell, LayerNormLSTMCell) else MAX_HIDDEN)
    return cell.hidden_size <= limit


def _takes(cell) -> bool:
    """A cell the persistent kernels run under the backend in force."""
    return runs_triton(cell) and on_chip(cell)


def _launch(cells, xp, h0, state, weight, mask, last, params):
    return TritonLSTMFunction.apply(xp, h0, state[1], weight, mask, last)


def _launch_peephole(cells, xp, h0, state, weight, mask, last, params):
    return TritonPeepholeLSTMFunction.apply(xp, h0, state[1], weight, *params("weight_ci", "weight_cf", "weight_co"),
                                            mask, last)


KERNEL = Kernel(LSTMCell, TritonLSTMFunction, _launch, applies=_takes, joins_directions=True)
PEEPHOLE = Kernel(PeepholeLSTMCell, TritonPeepholeLSTMFunction, _launch_peephole, applies=_takes)
