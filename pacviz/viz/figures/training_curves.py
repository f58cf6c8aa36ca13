"""Training curves: train and test bits/dim against steps (the paper's Fig. 4)."""

from __future__ import annotations

from matplotlib.figure import Figure


def training_curves_figure(history, title: str | None = None, ax=None):
    """Plot ``train_bpd`` and ``test_bpd`` of metric records (dicts with ``step``) against step.

    Returns the Figure (a new one unless ``ax`` is given).
    """
    fig = ax.figure if ax is not None else Figure(figsize=(6, 3.5), layout="constrained")
    ax = ax if ax is not None else fig.add_subplot()
    train = [(r["step"], r["train_bpd"]) for r in history if r.get("train_bpd") is not None]
    test = [(r["step"], r["test_bpd"]) for r in history if r.get("test_bpd") is not None]
    if train:
        ax.plot(*zip(*train), lw=1, alpha=0.8, label="train (batch mean)")
    if test:
        ax.plot(*zip(*test), "o-", lw=2, label="test (variational bound)")
    ax.set_xlabel("step")
    ax.set_ylabel("bits / dim")
    if title:
        ax.set_title(title)
    if train or test:
        ax.legend()
    ax.grid(alpha=0.3)
    return fig
