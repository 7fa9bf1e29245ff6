"""Data preparation: datasets and sequence utilities."""
from .synthetic import generate_time_series

__all__ = ["generate_time_series"]
