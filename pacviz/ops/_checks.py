"""Input validation shared by the ops: fail early, in words, before JAX internals do."""

from __future__ import annotations

import numpy as np
import jax


def is_concrete(x) -> bool:
    """True when ``x`` holds actual values (not a tracer inside ``jit``)."""
    return not isinstance(x, jax.core.Tracer)


def check_kernel_size(kernel_size) -> int:
    """Return ``kernel_size`` as an int; it must be a positive odd integer."""
    if isinstance(kernel_size, bool) or not isinstance(kernel_size, (int, np.integer)):
        raise ValueError(f"kernel_size must be a positive odd int such as 3 or 5, got {kernel_size!r}")
    if kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(
            f"kernel_size must be a positive odd int (so the centre tap is the diagonal), got {kernel_size}"
        )
    return int(kernel_size)


def check_image(x, name: str = "x", min_ndim: int = 3):
    """Check that ``x`` is channels-last ``(..., H, W, C)``."""
    if np.ndim(x) < min_ndim:
        raise ValueError(
            f"{name} must be channels-last with shape (..., H, W, C), got shape {np.shape(x)}"
        )


def check_weight(weight, in_channels: int | None = None, square: bool = False) -> int:
    """Check a convolution weight ``(K, K, Cin, Cout)`` and return K.

    ``square=True`` asks for ``Cin == Cout`` (the triangular ops), ``in_channels`` for a match with x.
    """
    shape = np.shape(weight)
    if len(shape) != 4 or shape[0] != shape[1]:
        raise ValueError(f"weight must have shape (K, K, Cin, Cout) with K odd, got {shape}")
    k = check_kernel_size(int(shape[0]))
    if square and shape[2] != shape[3]:
        raise ValueError(
            f"the triangular ops need a square channel map: weight must be (K, K, C, C), got {shape}"
        )
    if in_channels is not None and shape[2] != in_channels:
        raise ValueError(
            f"weight has Cin={shape[2]} but the input has C={in_channels} channels; "
            f"expected weight shape (K, K, {in_channels}, Cout)"
        )
    return k


def check_kernel(kernel, x_shape, kernel_size: int, out_channels: int, name: str = "kernel"):
    """Check a pixel-adaptive kernel ``(..., H, W, Cout, K, K)`` against ``x (..., H, W, C)``."""
    if kernel is None:
        return
    shape = np.shape(kernel)
    h, w = x_shape[-3], x_shape[-2]
    expected = f"(..., {h}, {w}, {out_channels} or 1, {kernel_size}, {kernel_size})"
    if len(shape) < 5:
        raise ValueError(f"{name} must have shape {expected}, got {shape}")
    if shape[-2:] != (kernel_size, kernel_size) or shape[-5:-3] != (h, w) or shape[-3] not in (1, out_channels):
        raise ValueError(f"{name} must have shape {expected}, got {shape}")
    try:
        np.broadcast_shapes(tuple(shape[:-5]), tuple(x_shape[:-3]))
    except ValueError:
        raise ValueError(
            f"the leading (batch) dimensions of {name} {shape[:-5]} and of x {tuple(x_shape[:-3])} do not broadcast"
        ) from None


def check_mask(mask, height: int, width: int, kernel_size: int):
    """Check an autoregressive mask ``(H, W, K, K)`` of bools."""
    check_bool_mask(mask)
    shape = np.shape(mask)
    if shape != (height, width, kernel_size, kernel_size):
        raise ValueError(
            f"mask must have shape (H, W, K, K) = ({height}, {width}, {kernel_size}, {kernel_size}); got {shape}. "
            "Build it with autoregressive_mask(make_order(H, W), K)."
        )


def check_alpha(alpha):
    """Weighted Jacobi converges for triangular systems iff alpha is in (0, 2) (App. A)."""
    if is_concrete(alpha):
        a = float(np.asarray(alpha))
        if not (0.0 < a < 2.0):
            raise ValueError(
                f"alpha must lie in the open interval (0, 2) for weighted Jacobi to converge (App. A); got {a}"
            )


def check_int(name: str, value, minimum: int = 1) -> int:
    """Return ``value`` as an int; it must be an int (not a bool, not a float) ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int >= {minimum}, got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value}")
    return int(value)


def check_positive(name: str, value):
    """No value of ``value`` may be <= 0 (checked on concrete values only; NaN coming from upstream
    passes, to be reported where the result is used)."""
    if not is_concrete(value):
        return
    values = np.asarray(value)
    if values.dtype == np.bool_ or not np.issubdtype(values.dtype, np.number):
        raise TypeError(f"{name} must be a float array > 0, got dtype {values.dtype}")
    if np.any(values <= 0):
        raise ValueError(f"{name} must be > 0 everywhere, got min {np.nanmin(values)}; it is a variance / "
                         "lengthscale (Eq. 6): pass a positive value (e.g. through softplus)")


def check_float_array(name: str, value):
    """``value`` must be a floating-point array (integer data would overflow or truncate the solve)."""
    dtype = value.dtype if hasattr(value, "dtype") else np.asarray(value).dtype
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(f"{name} must be a floating-point array, got dtype {dtype}; pass {name}.astype(float)")


def check_bool_mask(mask, name: str = "mask"):
    """``mask`` must be a bool array: ``~`` on 0/1 integers is bitwise, so an int mask would silently
    turn every tap on."""
    dtype = mask.dtype if hasattr(mask, "dtype") else np.asarray(mask).dtype
    if dtype != np.bool_:
        raise TypeError(f"{name} must be a bool array (True where a tap is used), got dtype {dtype}; build it "
                        f"with autoregressive_mask(make_order(H, W), K), or pass {name}.astype(bool) if it holds 0/1")
