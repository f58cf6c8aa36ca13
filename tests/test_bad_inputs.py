"""Bad inputs, API and command line: each gets an exception (or exit code 2) of the right kind whose
message names the argument at fault, raised before JAX internals."""

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

import pacviz as pv
from pacviz.data.load import load_dataset
from pacviz.train import train, train_config

X = jnp.ones((1, 4, 4, 2))
W = pv.near_identity_weight(jax.random.PRNGKey(0), 2, 3)
MASK = pv.autoregressive_mask(pv.make_order(4, 4), 3)
F = jnp.ones((1, 4, 4, 3))
POS = jnp.ones((1, 4, 4, 2))
DIAG = jnp.ones(4)


def _matvec(v):
    return v


@pytest.fixture(scope="module")
def model():
    return pv.build_model("pac_s_curve", (8, 8, 1), preset="tiny", num_levels=17, rngs=nnx.Rngs(params=0, dropout=1))


def _z(model, dtype=jnp.float32):
    return jnp.zeros((2,) + model.latent_shape, dtype)


# (id, call, exception type, regex the message must match: the argument's name)
OPS = [
    ("pac_forward int mask", lambda: pv.pac_forward(X, W, None, MASK.astype(jnp.int32)), TypeError, "mask"),
    ("pac_forward float mask", lambda: pv.pac_forward(X, W, None, MASK.astype(jnp.float32)), TypeError, "mask"),
    ("pac_forward mask shape", lambda: pv.pac_forward(X, W, None, MASK[:2]), ValueError, "mask"),
    ("pac weight shape", lambda: pv.pac(X, jnp.ones((3, 3, 2)), None), ValueError, "weight"),
    ("pac weight Cin", lambda: pv.pac(X, jnp.ones((3, 3, 5, 2)), None), ValueError, "weight"),
    ("pac even kernel", lambda: pv.pac(X, jnp.ones((2, 2, 2, 2)), None), ValueError, "kernel_size"),
    ("pac_kernel lengthscale 0", lambda: pv.pac_kernel(F, POS, 0 * POS, 3), ValueError, "lengthscale"),
    ("pac_kernel lengthscale < 0", lambda: pv.pac_kernel(F, POS, -POS, 3), ValueError, "lengthscale"),
    ("pac_kernel sigma2 < 0", lambda: pv.pac_kernel(F, -POS, POS, 3), ValueError, "sigma2"),
    ("pac_kernel sigma2 0", lambda: pv.pac_kernel(F, 0 * POS, POS, 3), ValueError, "sigma2"),
    ("jacobi max_iters True", lambda: pv.jacobi(_matvec, DIAG, jnp.ones(4), max_iters=True), TypeError, "max_iters"),
    ("jacobi max_iters 0", lambda: pv.jacobi(_matvec, DIAG, jnp.ones(4), max_iters=0), ValueError, "max_iters"),
    ("jacobi max_iters 2.5", lambda: pv.jacobi(_matvec, DIAG, jnp.ones(4), max_iters=2.5), TypeError, "max_iters"),
    ("jacobi int b", lambda: pv.jacobi(_matvec, DIAG, jnp.arange(4)), TypeError, r"\bb\b"),
    ("jacobi alpha 2", lambda: pv.jacobi(_matvec, DIAG, jnp.ones(4), alpha=2.0), ValueError, "alpha"),
    ("jacobi diagonal shape", lambda: pv.jacobi(_matvec, jnp.ones(3), jnp.ones(4)), ValueError, "diagonal"),
    ("make_order float height", lambda: pv.make_order(4.5, 4), TypeError, "height"),
    ("make_order width 0", lambda: pv.make_order(4, 0), ValueError, "width"),
    ("make_order kind", lambda: pv.make_order(4, 4, "zigzag"), ValueError, "kind"),
    ("autoregressive_mask even K", lambda: pv.autoregressive_mask(pv.make_order(4, 4), 4), ValueError, "kernel_size"),
    ("autoregressive_mask bad order", lambda: pv.autoregressive_mask(jnp.ones((4, 4), jnp.int32), 3), ValueError,
     "order"),
]

MODEL = [
    ("sample num -1", lambda m: m.sample(-1, rngs=nnx.Rngs(noise=0)), ValueError, "num"),
    ("sample num 0", lambda m: m.sample(0, rngs=nnx.Rngs(noise=0)), ValueError, "num"),
    ("sample num 2.5", lambda m: m.sample(2.5, rngs=nnx.Rngs(noise=0)), TypeError, "num"),
    ("sample temperature nan", lambda m: m.sample(2, rngs=nnx.Rngs(noise=0), temperature=float("nan")), ValueError,
     "temperature"),
    ("sample temperature inf", lambda m: m.sample(2, rngs=nnx.Rngs(noise=0), temperature=float("inf")), ValueError,
     "temperature"),
    ("sample temperature 0", lambda m: m.sample(2, rngs=nnx.Rngs(noise=0), temperature=0.0), ValueError,
     "temperature"),
    ("sample temperature -1", lambda m: m.sample(2, rngs=nnx.Rngs(noise=0), temperature=-1.0), ValueError,
     "temperature"),
    ("sample temperature str", lambda m: m.sample(2, rngs=nnx.Rngs(noise=0), temperature="1"), TypeError,
     "temperature"),
    ("sample Rngs without noise", lambda m: m.sample(2, rngs=nnx.Rngs(params=0)), ValueError, "noise"),
    ("bits_per_dim Rngs without noise", lambda m: pv.bits_per_dim(m, np.zeros((1, 8, 8, 1), np.uint8),
                                                               rngs=nnx.Rngs(params=0)), ValueError, "noise"),
    ("decode z shape", lambda m: m.decode(jnp.zeros((2, 3))), ValueError, r"\bz\b"),
    ("decode int z", lambda m: m.decode(_z(m, jnp.int32)), TypeError, r"\bz\b"),
    ("bits_per_dim list", lambda m: pv.bits_per_dim(m, [[1]], rngs=nnx.Rngs(noise=0)), TypeError, "images"),
    ("bits_per_dim empty", lambda m: pv.bits_per_dim(m, np.zeros((0, 8, 8, 1), np.uint8), rngs=nnx.Rngs(noise=0)),
     ValueError, "images"),
    ("bits_per_dim float", lambda m: pv.bits_per_dim(m, np.zeros((1, 8, 8, 1)), rngs=nnx.Rngs(noise=0)),
     ValueError, "images"),
    ("bits_per_dim levels", lambda m: pv.bits_per_dim(m, np.full((1, 8, 8, 1), 99, np.uint8),
                                                      rngs=nnx.Rngs(noise=0)), ValueError, "pixel values"),
    ("bits_per_dim num_samples 0", lambda m: pv.bits_per_dim(m, np.zeros((1, 8, 8, 1), np.uint8),
                                                             rngs=nnx.Rngs(noise=0), num_samples=0), ValueError,
     "num_samples"),
]

BUILD = [
    ("build_model float shape", lambda: pv.build_model("realnvp", (8.0, 8, 1), preset="tiny", rngs=nnx.Rngs(0)),
     ValueError, "image_shape"),
    ("build_model dropout 1.5", lambda: pv.build_model("realnvp", (8, 8, 1), preset="tiny", dropout=1.5,
                                                       rngs=nnx.Rngs(0)), ValueError, "dropout"),
    ("build_model unknown", lambda: pv.build_model("glow", (8, 8, 1), rngs=nnx.Rngs(0)), ValueError, "model"),
    ("build_model odd shape", lambda: pv.build_model("realnvp", (6, 6, 1), preset="tiny", rngs=nnx.Rngs(0)),
     ValueError, "image shape"),
    ("config lr inf", lambda: train_config("tiny", lr=float("inf")), ValueError, "--lr"),
    ("config lr nan", lambda: train_config("tiny", lr=float("nan")), ValueError, "--lr"),
    ("config lr 0", lambda: train_config("tiny", lr=0.0), ValueError, "--lr"),
    ("config final_lr -1", lambda: train_config("tiny", final_lr=-1.0), ValueError, "--final-lr"),
    ("config clip_norm 0", lambda: train_config("tiny", clip_norm=0.0), ValueError, "--clip-norm"),
    ("config warmup_steps -1", lambda: train_config("tiny", warmup_steps=-1), ValueError, "--warmup-steps"),
    ("config seed -1", lambda: train_config("tiny", seed=-1), ValueError, "--seed"),
    ("config steps 2.5", lambda: train_config("tiny", steps=2.5), TypeError, "--steps"),
    ("config batch_size 0", lambda: train_config("tiny", batch_size=0), ValueError, "--batch-size"),
    ("config temperature 0", lambda: train_config("tiny", temperature=0.0), ValueError, "--temperature"),
    ("config devices 0", lambda: train_config("tiny", devices=0), ValueError, "--devices"),
    ("config max_nonfinite True", lambda: train_config("tiny", max_nonfinite=True), TypeError, "--max-nonfinite"),
    ("config unknown option", lambda: train_config("tiny", stepz=3), ValueError, "stepz"),
    ("unknown dataset", lambda: load_dataset("mnist"), ValueError, "dataset"),
]


@pytest.mark.parametrize("name, call, kind, pattern", OPS + BUILD, ids=[c[0] for c in OPS + BUILD])
def test_api_rejects(name, call, kind, pattern):
    with pytest.raises(kind, match=pattern):
        call()


@pytest.mark.parametrize("name, call, kind, pattern", MODEL, ids=[c[0] for c in MODEL])
def test_model_rejects(model, name, call, kind, pattern):
    with pytest.raises(kind, match=pattern):
        call(model)


def test_dataset_files_that_are_not_datasets(tmp_path):
    (tmp_path / "cifar-10-batches-py").mkdir()
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        (tmp_path / "cifar-10-batches-py" / name).write_bytes(b"garbage, not a pickle")
    with pytest.raises(ValueError, match="data_batch_1 is not a CIFAR-10 python batch"):
        load_dataset("cifar10", root=tmp_path, split="train")
    tarball = tmp_path / "tar" / "cifar-10-python.tar.gz"
    tarball.parent.mkdir()
    tarball.write_bytes(b"plain bytes, not gzip")
    with pytest.raises(ValueError, match=re.escape(str(tarball)) + " is not a readable gzip tarball"):
        load_dataset("cifar10", root=tarball.parent, split="test")


def test_train_workdir_that_is_a_file(tmp_path):
    path = tmp_path / "file"
    path.write_text("")
    with pytest.raises(FileExistsError, match=f"workdir {re.escape(str(path))} is a file"):
        train(preset="tiny", workdir=str(path), progress=False)


def _cli(argv, capsys):
    """Exit code and stderr of ``pacviz ARGV`` (argparse errors exit 2 via SystemExit)."""
    from pacviz.cli import main

    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    return code, capsys.readouterr().err


CLI = [
    (["eval", "--images", "0"], "--images"),
    (["eval", "--batch-size", "0"], "--batch-size"),
    (["eval", "--num-samples", "0"], "--num-samples"),
    (["eval", "--seed", "-1"], "--seed"),
    (["sample", "--num", "-1"], "--num"),
    (["sample", "--num", "2.5"], "--num"),
    (["sample", "--temperature", "nan"], "--temperature"),
    (["sample", "--temperature", "0"], "--temperature"),
    (["train", "--preset", "tiny", "--seed", "-1"], "--seed"),
    (["train", "--preset", "tiny", "--lr", "inf"], "--lr"),
    (["train", "--preset", "tiny", "--warmup-steps", "-1"], "--warmup-steps"),
    (["train", "--preset", "tiny", "--steps", "2.5"], "--steps"),
    (["train", "--preset", "tiny", "--model-option", "blocks"], "--model-option"),
    (["train", "--preset", "tiny", "--model", "glow"], "model"),
]


@pytest.mark.parametrize("argv, flag", CLI, ids=[" ".join(a) for a, _ in CLI])
def test_cli_rejects_with_exit_2_and_no_traceback(argv, flag, capsys, tmp_path):
    code, err = _cli(argv + ["--workdir", str(tmp_path / "w")], capsys)
    assert code == 2 and flag in err and "Traceback" not in err


def test_cli_file_system_errors_are_one_line(capsys, tmp_path):
    path = tmp_path / "file"
    path.write_text("")
    for argv, expected in ((["train", "--preset", "tiny", "--workdir", str(path)], "is a file"),
                           (["export", "--workdir", str(tmp_path), "--out", str(path)], "--out"),
                           (["eval", "--workdir", str(tmp_path / "nothing")], "no checkpoints")):
        code, err = _cli(argv, capsys)
        assert code == 2 and expected in err and len(err.strip().splitlines()) == 1, err


def test_cli_debug_shows_the_traceback(tmp_path):
    from pacviz.cli import main

    with pytest.raises(ValueError, match="--lr"):
        main(["train", "--preset", "tiny", "--lr", "inf", "--workdir", str(tmp_path), "--debug"])

