"""Data preparation: datasets and sequence utilities."""
from .mu_law import mu_law_decode, mu_law_encode
from .synthetic import generate_time_series

__all__ = ["generate_time_series", "mu_law_encode", "mu_law_decode"]
