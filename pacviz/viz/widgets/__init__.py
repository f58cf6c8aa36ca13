"""ipywidgets explorers: each control's change redraws a pure figure function's Figure.

Set a control's ``.value`` (or click a pixel button) and ``.figure`` / ``.redraw_count``
change; display an explorer (or its ``.widget``) in a notebook.
"""

from .base import FIGURE_CLASS, FigureExplorer
from .jacobi_stepper import JacobiStepper
from .kernel_explorer import KernelExplorer
from .order_mask_explorer import OrderMaskExplorer
from .patch_explorer import PatchExplorer
from .pixel_grid import PIXEL_CLASS, PixelGrid
from .plu_explorer import PluExplorer
from .trained_filter_explorer import TrainedFilterExplorer

__all__ = ["FIGURE_CLASS", "PIXEL_CLASS", "FigureExplorer", "JacobiStepper", "KernelExplorer",
           "OrderMaskExplorer", "PatchExplorer", "PixelGrid", "PluExplorer", "TrainedFilterExplorer"]
