"""pacviz.ops: the paper's equations as pure, jit-able functions (channels-last, leading batch dims).

Grep "Eq. N" to find equation N.
"""

from .conv import conv_same, conv_same_in_loop
from .init import near_identity_weight
from .inverse import PacInverseInfo, pac_inverse, pac_inverse_substitution
from .jacobi import JacobiInfo, default_tol, jacobi
from .kernel import feature_distances, pac_kernel
from .masks import (
    CHANNEL_MASKS,
    ORDER_KINDS,
    autoregressive_mask,
    channel_masks,
    check_order,
    lower_spatial_mask,
    make_order,
)
from .nonlinearities import inverse_squareplus, squareplus, squaresigmoid, squareswish
from .pac import pac
from .patches import conv_as_patch_product, psi
from .triangular import (
    TriangularFactors,
    lower_pac,
    pac_forward,
    pac_log_det,
    triangular_factors,
    upper_diagonal,
    upper_pac,
)

__all__ = [name for name in dir() if not name.startswith("_")]
