"""Build `assets/digits.npz`, the embedded "digits" dataset, from scikit-learn's 8×8 digits.

1797 handwritten digits, pixel values 0..16 (17 levels); a fixed shuffle (seed 0) puts 1500
in train and 297 in test. Run once, from the repository root (needs scikit-learn):

    python -m pacviz.data.make_digits
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

NUM_TRAIN = 1500
OUTPUT = Path(__file__).parent / "assets" / "digits.npz"


def build() -> dict[str, np.ndarray]:
    """The arrays of digits.npz: "train"/"test" uint8 (n, 8, 8, 1) in 0..16, and
    "train_labels"/"test_labels" uint8 (n,) in 0..9."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = digits.images.astype(np.uint8)[..., None]  # float 0..16 -> uint8 (N, 8, 8, 1)
    order = np.random.default_rng(0).permutation(len(images))
    train, test = order[:NUM_TRAIN], order[NUM_TRAIN:]
    labels = digits.target.astype(np.uint8)
    return {"train": images[train], "test": images[test],
            "train_labels": labels[train], "test_labels": labels[test]}


def main() -> None:
    np.savez_compressed(OUTPUT, **build())
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
