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


def test_pretrained_loads_from_its_record_not_from_the_presets(pretrained, monkeypatch):
    import warnings

    from pacviz.models import config as model_config_module

    model, meta = pretrained
    assert meta["model_config"]["blocks"] == model.config.blocks and "pacviz_version" in meta
    assert pv.count_params(model) == meta["num_params"]
    monkeypatch.setitem(model_config_module._PRESETS, "small", dict(model_config_module._PRESETS["small"], blocks=3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a record with model_config loads without the old-record warning
        again, _ = pv.load_pretrained()
    assert again.config == model.config and pv.count_params(again) == meta["num_params"]
