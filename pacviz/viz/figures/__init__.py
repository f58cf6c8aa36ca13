"""Pure figure functions: arrays in, ``matplotlib.figure.Figure`` out (no pyplot, no state)."""

from .activations import activations_figure
from .bits_budget import bits_budget_figure
from .comparison import comparison_figure
from .edge_blur import edge_blur_figure
from .erratum import erratum_figure, triangle_violations
from .jacobi import convergence_figure, error_images, jacobi_step_figure, log_error_floor
from .jacobian import draw_jacobian, jacobian_figure
from .kernel import effective_filters, kernel_figure
from .masks import draw_mask, draw_order, mask_figure, order_figure, order_mask_figure, padded_patch
from .inversion_curves import curve_points, inversion_curves_figure, layer_mean
from .inversion_timing import inversion_timing_figure
from .nilpotent import nilpotency_index, nilpotent_figure
from .patches import patch_figure, patch_matrix, patch_product_figure, weight_matrix
from .sample_grids import sample_grids_figure
from .table2 import comparison_curves_figure, comparison_samples_figure, paired_intervals_figure
from .training_curves import training_curves_figure
from .trained_filter import filter_colour_scale, filter_tiles, tile_grid, trained_filter_figure

__all__ = [
    "activations_figure", "bits_budget_figure", "sample_grids_figure",
    "comparison_figure", "edge_blur_figure", "convergence_figure", "draw_jacobian", "draw_mask", "draw_order", "effective_filters",
    "erratum_figure", "error_images", "jacobi_step_figure", "jacobian_figure", "kernel_figure", "log_error_floor",
    "mask_figure", "nilpotency_index", "nilpotent_figure", "order_figure", "order_mask_figure", "padded_patch",
    "patch_figure", "patch_matrix", "patch_product_figure", "training_curves_figure", "triangle_violations", "weight_matrix",
    "comparison_curves_figure", "comparison_samples_figure", "paired_intervals_figure",
    "curve_points", "filter_colour_scale", "filter_tiles", "inversion_curves_figure", "inversion_timing_figure", "layer_mean", "tile_grid", "trained_filter_figure",
]
