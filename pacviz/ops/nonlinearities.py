"""Algebraic nonlinearities with polynomial tails (App. C.1–C.2)."""

from __future__ import annotations

import jax.numpy as jnp


def squareplus(x, gamma: float = 0.5):
    """``sp(x; γ) = (x + sqrt(x² + 4γ)) / 2``: a smooth ReLU whose left tail decays like ``γ/|x|`` (App. C.1)."""
    return 0.5 * (x + jnp.sqrt(x * x + 4.0 * gamma))


def squaresigmoid(x, gamma: float = 0.5):
    """``ss(x; γ) = d sp / dx = (1 + x / sqrt(x² + 4γ)) / 2``, in (0, 1) (App. C.1; the extracted text garbles it)."""
    return 0.5 * (1.0 + x / jnp.sqrt(x * x + 4.0 * gamma))


def squareswish(x, gamma: float = 0.5):
    """``x · ss(x; γ)``, the network nonlinearity (App. C.1)."""
    return x * squaresigmoid(x, gamma)


def inverse_squareplus(y, gamma: float = 0.5):
    """``sp⁻¹(y; γ) = y - γ / y`` for ``y > 0`` (Eq. 17), used to initialise scales from data."""
    return y - gamma / y
