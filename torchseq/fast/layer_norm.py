r"""Layer normalisation as the fast kernels need it: forward keeping its statistics, backward in two halves.

.. math::
    y = \gamma \odot \hat a + \beta, \qquad \hat a = (a - \mu) \cdot \mathrm{rstd}, \qquad
    \mathrm{rstd} = 1 / \sqrt{\sigma^2(a) + \epsilon}

over the last dimension (Ba, Kiros & Hinton 2016). Inside a step loop only the input gradient is needed
(it feeds the next step back), computed per step:

.. math::
    da = \mathrm{rstd} \cdot \bigl(\bar g - \mathrm{mean}(\bar g) - \hat a \, \mathrm{mean}(\bar g \hat a)\bigr),
    \qquad \bar g = \gamma \odot dy

and the gain and shift gradients, d gamma = sum dy a-hat and d beta = sum dy, once after the loop over all
timesteps together. Both are ATen's own layer-norm kernels (``native_layer_norm`` and its backward), the
ones ``torch.nn.functional.layer_norm`` runs.
"""
from __future__ import annotations

from typing import Optional, Tuple

import torch


def layer_norm(a: torch.Tensor, gain: torch.Tensor, bias: Optional[torch.Tensor], eps: float
               ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """a (..., D) -> (y (..., D), mean (..., 1), rstd (..., 1))."""
    return torch.native_layer_norm(a, (a.shape[-1],), gain, bias, eps)


def layer_norm_input_grad(dy: torch.Tensor, a: torch.Tensor, mean: torch.Tensor, rstd: torch.Tensor,
                          gain: torch.Tensor) -> torch.Tensor:
    """dL/da from dL/dy: all (..., D) but mean and rstd (..., 1)."""
    return torch.ops.aten.native_layer_norm_backward(dy, a, (a.shape[-1],), mean, rstd, gain, None,
                                                     [True, False, False])[0]


def layer_norm_param_grads(dy: torch.Tensor, a: torch.Tensor, mean: torch.Tensor, rstd: torch.Tensor,
                           gain: torch.Tensor, bias: Optional[torch.Tensor]):
    """(d gamma (D,), d beta (D,) or None) summed over every leading position of dy, a (..., D)."""
    _, d_gain, d_bias = torch.ops.aten.native_layer_norm_backward(
        dy, a, (a.shape[-1],), mean, rstd, gain, bias, [False, True, bias is not None])
    return d_gain, d_bias
