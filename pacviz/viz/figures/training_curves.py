"""Training curves: train and test bits/dim against steps (the paper's Fig. 4)."""

from __future__ import annotations

from matplotlib.figure import Figure


def test_below_train(train, test) -> bool:
    """Whether the last ``(step, test_bpd)`` lies below the train curve's value nearest that step."""
    if not train or not test:
        return False
    step, value = test[-1]
    nearest = min(train, key=lambda record: abs(record[0] - step))
    return value < nearest[1]


def training_curves_figure(history, title: str | None = None, ax=None):
    """Plot ``train_bpd`` and ``test_bpd`` of metric records (dicts with ``step``) against step.

    When the last test value lies below the train curve at that step, a note under the legend
    says why that is no error: the train loss is measured with dropout on (training mode), the
    test bound with it off, and the test images are other pictures (other photographs, for
    "photos").

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
    if test_below_train(train, test):
        ax.text(0.98, 0.02, "test below train: train is measured with dropout on,\n"
                "test with it off, on other pictures",
                transform=ax.transAxes, ha="right", va="bottom", fontsize=7, color="0.3")
    ax.grid(alpha=0.3)
    return fig
