"""Weights in and out: torch.nn modules (both ways) and Keras ``get_weights()`` lists (in)."""
from .keras import load_keras_weights
from .torch_nn import from_torch, state_from_torch, state_to_torch, to_torch

__all__ = ["from_torch", "to_torch", "state_from_torch", "state_to_torch", "load_keras_weights"]
