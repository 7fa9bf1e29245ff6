"""Instruments for studying how the networks work: traces of every gate, gradient flow through time,
unrolled computations, receptive-field maps, dropout masks over time, and their figures (plots.py,
matplotlib)."""
from .gradient_flow import gradient_norms, last_output_sum, spectral_radius
from .masks import masks_over_time
from .plots import plot_gradient_norms, plot_masks, plot_receptive_field, plot_trace
from .receptive_field_map import receptive_field_map
from .traces import record_internals, trace
from .unroll import unroll

__all__ = ["record_internals", "trace", "gradient_norms", "last_output_sum", "spectral_radius", "unroll",
           "receptive_field_map", "masks_over_time", "plot_trace", "plot_gradient_norms", "plot_receptive_field",
           "plot_masks"]
