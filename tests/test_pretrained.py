"""The pretrained model shipped with pacviz loads in one call and is what its record says."""

import math

import numpy as np
import pytest
from flax import nnx

import pacviz as pv
from pacviz.data import evaluation_images, load_dataset


@pytest.fixture(scope="module")
def pretrained():
    return pv.load_pretrained()


def test_pretrained_loads_and_scores_like_its_record(pretrained):
    model, meta = pretrained
    assert meta["config"]["model"] == "pac_s_curve" and meta["config"]["dataset"] == "photos"
    assert "pacviz train" in meta["command"]
    images = evaluation_images(load_dataset("photos", split="test"), 32)
    bpd = float(np.mean(pv.bits_per_dim(model, images, rngs=nnx.Rngs(noise=0))))
    assert math.isfinite(bpd)
    # 32 of the 128 evaluation images, one noise draw: close to the recorded figure, far below untrained (~8).
    assert abs(bpd - meta["test_bpd"]) < 0.5, (bpd, meta["test_bpd"])


def test_pretrained_samples(pretrained):
    model, _ = pretrained
    out = model.sample(2, rngs=nnx.Rngs(noise=1), temperature=0.7)
    assert out.shape == (2, 32, 32, 3) and out.dtype == np.uint8


def test_unknown_pretrained_name():
    with pytest.raises(FileNotFoundError, match="available"):
        pv.load_pretrained("imagenet_giant")
