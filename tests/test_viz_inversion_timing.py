"""Jacobi vs substitution timing (notebook 05): real inverses, exact step counts, prose that reads the numbers."""

import numpy as np
import pytest

import pacviz.viz as pvz
from pacviz.viz.inversion_timing import InversionTiming


def test_time_inversions_measures_both_solvers():
    timing = pvz.time_inversions(sides=(5, 6), batches=(1, 2), kernel_size=3, repeats=1)
    assert timing.jacobi_ms.shape == timing.substitution_ms.shape == (2, 2)
    assert np.all(timing.jacobi_ms > 0) and np.all(timing.substitution_ms > 0)
    np.testing.assert_array_equal(timing.substitution_steps, [2 * 25, 2 * 36])
    assert np.all(timing.jacobi_iterations >= 2)  # at least one step per triangular solve
    assert np.all(timing.jacobi_iterations < timing.substitution_steps)
    assert np.all(timing.max_error < 1e-4)  # both solved the same system
    np.testing.assert_allclose(timing.speedup, timing.substitution_ms / timing.jacobi_ms)


def test_time_inversions_rejects_bad_sizes():
    with pytest.raises(ValueError, match="sides >= kernel_size"):
        pvz.time_inversions(sides=(2,), batches=(1,), kernel_size=3)


def fake(jacobi, substitution):
    jacobi, substitution = np.array(jacobi, float), np.array(substitution, float)
    return InversionTiming(np.array([8, 16, 32]), np.array([1]), jacobi, substitution,
                           np.full(jacobi.shape, 9), 2 * np.array([8, 16, 32]) ** 2, np.zeros(jacobi.shape), "cpu")


def test_summary_follows_the_numbers():
    crossing = pvz.inversion_timing_summary(fake([[2.0, 2.0, 2.0]], [[1.0, 2.0, 8.0]]))
    assert "8×8: substitution 2.0× faster" in crossing and "32×32: Jacobi 4.0× faster" in crossing
    assert "Jacobi won from side 16 on" in crossing and "Jacobi gained on substitution" in crossing
    losing = pvz.inversion_timing_summary(fake([[4.0, 4.0, 16.0]], [[1.0, 2.0, 2.0]]))
    assert "substitution won at every size" in losing and "lost ground" in losing
    assert "at most 9 iterations" in losing and "2048 sequential steps" in losing


def test_figure_draws_every_measurement():
    timing = fake([[2.0, 2.0, 2.0]], [[1.0, 2.0, 8.0]])
    fig = pvz.inversion_timing_figure(timing)
    time_ax, steps_ax = fig.axes
    assert len(time_ax.lines) == 2 and len(steps_ax.lines) == 2
    np.testing.assert_array_equal(time_ax.lines[1].get_ydata(), [1.0, 2.0, 8.0])
    np.testing.assert_array_equal(steps_ax.lines[1].get_ydata(), timing.substitution_steps)
