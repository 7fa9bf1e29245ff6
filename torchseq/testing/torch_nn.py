"""A torch.nn recurrent layer seen as a torchseq layer, so that :func:`assert_modules_close` can compare them.

torch.nn's ``nn.RNN``/``nn.LSTM``/``nn.GRU`` (``batch_first=True``) differ from torchseq only in conventions:
ragged batches are PackedSequences, states are stacked (layers*directions, N, H), and the parameters carry
their layer and direction in their names. :class:`AsTorchseq` undoes those differences for the torchseq
layer it is compared with:

- it packs ``x`` with ``lengths`` and pads the outputs back to (N, L, D*H), zeros past each length;
- without ``return_sequences`` the output is the top layer's final hidden state of each direction,
  concatenated (for the forward direction, the output at each sample's last valid step);
- ``initial_state`` and the returned state go through :func:`torchseq.interop.state_to_torch` and
  :func:`~torchseq.interop.state_from_torch`;
- :func:`parameter_pairs` names, for every parameter of the torchseq layer, its torch.nn counterparts: one
  bias b = b_ih + b_hh receives the gradient of each of torch.nn's two.
"""
from __future__ import annotations

from typing import Dict, List

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ..interop.torch_nn import _all_directions, state_from_torch, state_to_torch
from ..layers.base import RecurrentLayer


class AsTorchseq(nn.Module):
    """``reference`` (a batch-first nn.RNN, nn.LSTM or nn.GRU) called and answering as ``like`` does."""

    def __init__(self, reference: nn.RNNBase, like: RecurrentLayer):
        super().__init__()
        if not isinstance(reference, nn.RNNBase) or not getattr(reference, "batch_first", False):
            raise TypeError("b must be a torch.nn RNN, LSTM or GRU with batch_first=True (torchseq is batch first), "
                            f"got {type(reference).__name__}"
                            + ("" if not isinstance(reference, nn.RNNBase) else " with batch_first=False"))
        if not isinstance(like, RecurrentLayer):
            raise TypeError(f"a must be a torchseq recurrent layer to be compared with a torch.nn one, got "
                            f"{type(like).__name__}")
        self.reference = reference
        self.like = [like]                                                    # a list: not a submodule
        self.directions = 2 if reference.bidirectional else 1

    def forward(self, x: torch.Tensor, initial_state=None, lengths=None):
        like = self.like[0]
        hx = None if initial_state is None else state_to_torch(like, initial_state)
        if lengths is None:
            out, h_n = self.reference(x, hx)
        else:
            packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
            out, h_n = self.reference(packed, hx)
            out = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])[0]   # (N, L, D*H)
        if not like.return_sequences:
            h = h_n[0] if isinstance(h_n, tuple) else h_n                       # (layers*D, N, H)
            out = torch.cat(list(h[-self.directions:]), dim=-1)                 # (N, D*H): top layer's final h
        if like.return_state:
            return out, state_from_torch(like, h_n)
        return out


def parameter_pairs(like: RecurrentLayer, reference: nn.RNNBase) -> Dict[str, List[str]]:
    """{torchseq parameter name: [torch.nn parameter names]} for layers of the same shape."""
    names = {id(module): name for name, module in like.named_modules()}
    per_layer = 2 if reference.bidirectional else 1
    pairs = {}
    for k, rnn in enumerate(_all_directions(like)):
        suffix = f"_l{k // per_layer}" + ("_reverse" if k % per_layer else "")
        prefix = names[id(rnn.cell)]
        prefix = f"{prefix}." if prefix else ""
        for name, _ in rnn.cell.named_parameters():
            if name == "bias":
                pairs[prefix + name] = [f"reference.bias_ih{suffix}", f"reference.bias_hh{suffix}"]
            else:
                pairs[prefix + name] = [f"reference.{name}{suffix}"]
    return pairs
