"""Compile every launch configuration of the Triton kernels ahead of time for one GPU target, on a machine
without a GPU, and print one JSON line per kernel and configuration: shared memory, registers, spills.

    python tests/triton/compile_report.py 90            # sm_90 (H100); 80 for sm_80 (A100); every configuration
    python tests/triton/compile_report.py 90 --suite    # the test suite's share: float32 and bfloat16

Run by tests/triton/test_compile.py in a subprocess without TRITON_INTERPRET (the interpreter's kernels
cannot be compiled). The registers and spills come from the ptxas that ships in the triton wheel.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import torch
import triton
import triton.language as tl
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource

from torchseq.fast import triton_lstm, triton_lstm_steps
from torchseq.fast.triton_kernels import (gru_kernels, gru_step_kernels, layer_norm_lstm_kernels,
                                          layer_norm_simple_rnn_kernels, lstm_kernels, lstm_step_kernels,
                                          simple_rnn_kernels, simple_rnn_step_kernels)

PTXAS = os.path.join(os.path.dirname(triton.__file__), "backends", "nvidia", "bin", "ptxas")
SCALARS = {"t": "i32", "L": "i32", "N": "i32", "H": "i32", "D": "i32"}
FORWARD = ["xp_ptr", "h0_ptr", "c0_ptr", "w_ptr", "mask_ptr", "peep_ptr", "acts_ptr", "cs_ptr", "hs_ptr"]
BACKWARD = ["acts_ptr", "cs_ptr", "c0_ptr", "w_ptr", "mask_ptr", "peep_ptr", "d_hs_ptr", "d_c_last_ptr", "last_ptr", "da_ptr",
            "d_h0_ptr", "d_c0_ptr"]
GRU_FORWARD = ["xp_ptr", "h0_ptr", "w_ptr", "b_ptr", "mask_ptr", "acts_ptr", "extra_ptr", "hs_ptr"]
GRU_BACKWARD = ["acts_ptr", "extra_ptr", "hs_ptr", "h0_ptr", "w_ptr", "mask_ptr", "d_hs_ptr", "d_xp_ptr", "d_rec_ptr",
                "d_h0_ptr"]
SIMPLE_FORWARD = ["xp_ptr", "h0_ptr", "w_ptr", "mask_ptr", "hs_ptr"]
SIMPLE_BACKWARD = ["hs_ptr", "w_ptr", "mask_ptr", "d_hs_ptr", "da_ptr", "d_h0_ptr"]
NORM_FORWARD = ["xp_ptr", "h0_ptr", "w_ptr", "gain_ptr", "bias_ptr", "mask_ptr", "hats_ptr", "rstds_ptr", "hs_ptr"]
NORM_BACKWARD = ["hats_ptr", "rstds_ptr", "hs_ptr", "w_ptr", "gain_ptr", "mask_ptr", "d_hs_ptr", "dys_ptr", "da_ptr",
                 "d_h0_ptr"]
STEP_FORWARD = ["xp_ptr", "h_ptr", "c_ptr", "w_ptr", "mask_ptr", "peep_ptr", "acts_ptr", "cs_ptr", "hs_ptr"]
STEP_BACKWARD = ["acts_ptr", "cs_ptr", "c_ptr", "w_ptr", "mask_ptr", "peep_ptr", "d_hs_ptr", "da_next_ptr", "dc_ptr",
                 "d_c_last_ptr", "last_ptr", "da_ptr"]
GRU_STEP_FORWARD = ["xp_ptr", "h_ptr", "w_ptr", "b_ptr", "mask_ptr", "acts_ptr", "rec_n_ptr", "hs_ptr"]
GRU_STEP_BACKWARD = ["acts_ptr", "rec_n_ptr", "h_ptr", "w_ptr", "mask_ptr", "d_hs_ptr", "d_rec_next_ptr", "carry_ptr",
                     "d_xp_ptr", "d_rec_ptr"]
SIMPLE_STEP_FORWARD = ["xp_ptr", "h_ptr", "w_ptr", "mask_ptr", "hs_ptr"]
SIMPLE_STEP_BACKWARD = ["hs_ptr", "w_ptr", "mask_ptr", "d_hs_ptr", "da_next_ptr", "da_ptr"]
LN_LSTM_FORWARD = ["xp_ptr", "h0_ptr", "c0_ptr", "w_ptr", "gain_h_ptr", "gain_c_ptr", "bias_c_ptr", "mask_ptr",
                   "acts_ptr", "rhats_ptr", "chats_ptr", "cs_ptr", "rstds_ptr", "hs_ptr"]
LN_LSTM_BACKWARD = ["acts_ptr", "rhats_ptr", "chats_ptr", "cs_ptr", "c0_ptr", "rstds_ptr", "w_ptr", "gain_h_ptr",
                    "gain_c_ptr", "bias_c_ptr", "mask_ptr", "d_hs_ptr", "d_c_last_ptr", "last_ptr", "da_ptr", "dr_ptr",
                    "dchecks_ptr", "d_h0_ptr", "d_c0_ptr"]
TYPES = {torch.float32: "fp32", torch.float64: "fp64", torch.bfloat16: "bf16", torch.float16: "fp16"}
# The buffers the kernels keep in their arithmetic type (float32 for 16-bit inputs), whatever the input type.
ARITHMETIC = {"acts_ptr", "cs_ptr", "c_ptr", "dc_ptr", "extra_ptr", "rec_n_ptr", "carry_ptr", "hats_ptr", "rstds_ptr",
              "dys_ptr", "rhats_ptr", "chats_ptr", "dchecks_ptr"}


def lstm_kernel_pair(tile: dict, peephole: bool):
    """The LSTM's forward and backward kernels, plain or with peepholes."""
    name = "_peephole" if peephole else ""
    lstm = {"MASK": 2, "PEEPHOLE": peephole, **tile}
    return ((f"lstm_forward{name}", lstm_kernels.lstm_forward, FORWARD, lstm),
            (f"lstm_backward{name}", lstm_kernels.lstm_backward, BACKWARD,
             {"HAS_D_HS": True, "HAS_D_C_LAST": True, "HAS_LAST": True, **lstm}))


def kernels(tile: dict):
    """(name, kernel, pointer arguments, constants) of every kernel, in its most demanding form (one mask per
    gate, every optional input present)."""
    gru = {"RELU": False, "MASK": 2, **tile}
    return (*lstm_kernel_pair(tile, peephole=False),
            *((f"gru_forward_{form}", gru_kernels.gru_forward, GRU_FORWARD,
               {"RESET_AFTER": after, "BIAS_ROWS": after, **gru}) for form, after in (("after", True), ("before", False))),
            *((f"gru_backward_{form}", gru_kernels.gru_backward, GRU_BACKWARD, {"RESET_AFTER": after, **gru})
              for form, after in (("after", True), ("before", False))),
            ("simple_rnn_forward", simple_rnn_kernels.simple_rnn_forward, SIMPLE_FORWARD,
             {"RELU": False, "MASK": 1, **tile}),
            ("simple_rnn_backward", simple_rnn_kernels.simple_rnn_backward, SIMPLE_BACKWARD,
             {"RELU": False, "MASK": 1, **tile}),
            ("ln_simple_rnn_forward", layer_norm_simple_rnn_kernels.ln_simple_rnn_forward, NORM_FORWARD,
             {"RELU": False, "MASK": 1, **tile}),
            ("ln_simple_rnn_backward", layer_norm_simple_rnn_kernels.ln_simple_rnn_backward, NORM_BACKWARD,
             {"RELU": False, "MASK": 1, **tile}))


def layer_norm_lstm_kernels_of(tile: dict):
    """The layer-norm LSTM's forward and backward kernels."""
    return (("ln_lstm_forward", layer_norm_lstm_kernels.ln_lstm_forward, LN_LSTM_FORWARD, {"MASK": 2, **tile}),
            ("ln_lstm_backward", layer_norm_lstm_kernels.ln_lstm_backward, LN_LSTM_BACKWARD,
             {"MASK": 2, "HAS_D_HS": True, "HAS_D_C_LAST": True, "HAS_LAST": True, **tile}))


def step_kernels(tile: dict):
    """The one-step kernels (LSTM plain and with peepholes, GRU reset after, SimpleRNN), every optional input
    present, one mask per gate."""
    for peephole in (False, True):
        name = "_peephole" if peephole else ""
        lstm = {"MASK": 2, "PEEPHOLE": peephole, **tile}
        yield f"lstm_step_forward{name}", lstm_step_kernels.lstm_step_forward, STEP_FORWARD, lstm
        yield (f"lstm_step_backward{name}", lstm_step_kernels.lstm_step_backward, STEP_BACKWARD,
               {"HAS_NEXT": True, "HAS_D_HS": True, "HAS_D_C_LAST": True, "HAS_LAST": True, **lstm})
    gru = {"RELU": False, "MASK": 2, **tile}
    yield "gru_step_forward", gru_step_kernels.gru_step_forward, GRU_STEP_FORWARD, {"BIAS_ROWS": True, **gru}
    yield "gru_step_backward", gru_step_kernels.gru_step_backward, GRU_STEP_BACKWARD, {"HAS_NEXT": True, **gru}
    simple = {"RELU": False, "MASK": 1, **tile}
    yield "simple_rnn_step_forward", simple_rnn_step_kernels.simple_rnn_step_forward, SIMPLE_STEP_FORWARD, simple
    yield ("simple_rnn_step_backward", simple_rnn_step_kernels.simple_rnn_step_backward, SIMPLE_STEP_BACKWARD,
           {"HAS_NEXT": True, **simple})


# The input types and product precisions the test suite compiles (CI's time allows two of the four): float32 with
# strict products, and bfloat16 (TF32 products). ``--full`` compiles all four.
SUITE_TYPES = ((torch.float32, "ieee"), (torch.bfloat16, "tf32"))


def types(full: bool = True):
    """(dtype, precision) pairs to compile: every one the dispatcher can launch, or the suite's two."""
    every = [(dtype, precision) for dtype in triton_lstm.DTYPES for precision in triton_lstm.precisions(dtype)]
    return every if full else [pair for pair in every if pair in SUITE_TYPES]


def step_configurations(full: bool = True):
    """Every (dtype, precision, BLOCK_N, BLOCK_H, BLOCK_K, warps) of the one-step kernels."""
    return [(dtype, precision, *triton_lstm_steps.STEP_TILE) for dtype, precision in types(full)]


def configurations(peephole: bool = False, layer_norm: bool = False, full: bool = True):
    """Every (dtype, precision, BLOCK_N, BLOCK_H, warps) the dispatcher can launch (the peephole and layer-norm
    LSTMs' own, smaller sets)."""
    return [(dtype, precision, *config) for dtype, precision in types(full)
            for config in triton_lstm.launch_configs(peephole, layer_norm)]


def resources(fn, pointers, constants, dtype, capability, warps):
    wide = torch.float64 if dtype == torch.float64 else torch.float32
    constants = constants | {"ACC": getattr(tl, str(wide).removeprefix("torch."))}
    scalars = {name: kind for name, kind in SCALARS.items() if name in fn.arg_names}
    signature = ({p: f"*{TYPES[wide if p in ARITHMETIC else dtype]}" for p in pointers} | scalars
                 | {c: "constexpr" for c in constants})
    if "eps" in fn.arg_names:
        signature["eps"] = "fp32"
    if "last_ptr" in signature:
        signature["last_ptr"] = "*i64"
    kernel = triton.compile(ASTSource(fn=fn, signature=signature, constexprs=constants),
                            target=GPUTarget("cuda", capability, 32), options={"num_warps": warps})
    with tempfile.TemporaryDirectory() as folder:
        ptx = os.path.join(folder, "kernel.ptx")
        with open(ptx, "w") as f:
            f.write(kernel.asm["ptx"])
        arch = f"sm_{capability}a" if capability == 90 else f"sm_{capability}"
        info = subprocess.run([PTXAS, "-v", f"--gpu-name={arch}", ptx, "-o", os.path.join(folder, "kernel.cubin")],
                              capture_output=True, text=True, check=True).stderr
    spills = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", info)
    return {"shared": kernel.metadata.shared, "registers": int(re.search(r"Used (\d+) registers", info).group(1)),
            "spill_stores": int(spills.group(1)), "spill_loads": int(spills.group(2))}


def main(capability: int, full: bool) -> None:
    plain = [(config, kernels) for config in configurations(full=full)]
    peephole = [(config, lambda tile: lstm_kernel_pair(tile, peephole=True))
                for config in configurations(True, full=full)]
    layer_norm = [(config, layer_norm_lstm_kernels_of) for config in configurations(layer_norm=True, full=full)]
    for (dtype, precision, block_n, block_h, warps), family in plain + peephole + layer_norm:
        tile = {"BLOCK_N": block_n, "BLOCK_H": block_h, "PRECISION": precision}
        for name, fn, pointers, constants in family(tile):
            row = {"kernel": name, "capability": capability, "dtype": TYPES[dtype], "precision": precision,
                   "BLOCK_N": block_n, "BLOCK_H": block_h, "num_warps": warps}
            print(json.dumps(row | resources(fn, pointers, constants, dtype, capability, warps)), flush=True)
    for dtype, precision, block_n, block_h, block_k, warps in step_configurations(full):
        tile = {"BLOCK_N": block_n, "BLOCK_H": block_h, "BLOCK_K": block_k, "PRECISION": precision}
        for name, fn, pointers, constants in step_kernels(tile):
            row = {"kernel": name, "capability": capability, "dtype": TYPES[dtype], "precision": precision,
                   "BLOCK_N": block_n, "BLOCK_H": block_h, "BLOCK_K": block_k, "num_warps": warps}
            print(json.dumps(row | resources(fn, pointers, constants, dtype, capability, warps)), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]), full="--suite" not in sys.argv[2:])
