"""pacviz.viz: the tutorial's pictures and explorers.

    import pacviz.viz as pvz
    fig = pvz.patch_figure(x, pv.psi(x, 5), row=3, col=4)   # a matplotlib Figure
    pvz.KernelExplorer()                                      # an ipywidgets explorer (display it)

``pacviz.viz.figures``: pure functions, arrays in → ``matplotlib.figure.Figure`` out.
``pacviz.viz.widgets``: explorers whose controls redraw one of those figures as a PNG in an
``ipywidgets.Image`` (class ``pacviz-figure``); pixels are picked with sliders or by clicking
real buttons (class ``pacviz-pixel``). Helpers here build what the figures need: dense
Jacobians in "pixel order, then channel", the printed Eq. 10, a hand-drawn order, Jacobi
iterates and a PAC layer made from a photo.
"""

from .custom_order import custom_order
from .dense import dense_jacobian, jacobi_error_matrix, matrix_powers, order_permutation, pac_jacobians, permute_matrix
from .edge_blur import box_blur_weight, edge_blurs, step_edge
from .erratum import literal_lower_pac
from .example_layer import ExampleLayer, example_layer, unit_image
from .figures import *  # noqa: F401,F403
from .figures import __all__ as _figures_all
from .inversion_timing import InversionTiming, inversion_timing_summary, time_inversions
from .kernel_selectivity import edge_and_flat_pixels, kernel_selectivity
from .live_training import LiveTraining, live_training_figure
from .render import figure_to_png
from .table2_conclusions import comparison_conclusions
from .sample_images import DEFAULT_PHOTO, block_average, default_digit, default_photo
from .tiles import tile, untile
from .trajectory import jacobi_iterates
from .widgets import (FigureExplorer, JacobiStepper, KernelExplorer, OrderMaskExplorer, PatchExplorer, PixelGrid,
                      PluExplorer)
from .widgets import TrainedFilterExplorer

__all__ = list(_figures_all) + [
    # helpers
    "DEFAULT_PHOTO", "ExampleLayer", "InversionTiming", "inversion_timing_summary", "time_inversions", "block_average", "box_blur_weight", "comparison_conclusions", "custom_order", "edge_blurs", "step_edge", "default_digit", "default_photo",
    "dense_jacobian", "edge_and_flat_pixels", "example_layer", "kernel_selectivity", "figure_to_png", "jacobi_error_matrix", "jacobi_iterates",
    "literal_lower_pac", "matrix_powers", "order_permutation", "pac_jacobians", "permute_matrix", "tile",
    "unit_image", "untile",
    # widgets
    "FigureExplorer", "JacobiStepper", "LiveTraining", "live_training_figure", "KernelExplorer", "OrderMaskExplorer", "PatchExplorer", "PixelGrid",
    "PluExplorer", "TrainedFilterExplorer",
]
