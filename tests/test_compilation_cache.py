"""The persistent compilation cache's folder and switch, and pacviz's default XLA options."""

from pathlib import Path

import jax
import pytest

from pacviz import compilation_cache, xla_options
from pacviz.compilation_cache import cache_dir, use_compilation_cache


def test_cache_folder_follows_xdg_and_the_environment_variable(tmp_path):
    assert cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "pacviz" / "jax"
    assert cache_dir({}) == Path.home() / ".cache" / "pacviz" / "jax"
    assert cache_dir({"PACVIZ_COMPILATION_CACHE": str(tmp_path / "c"), "XDG_CACHE_HOME": "/x"}) == tmp_path / "c"
    for off in ("0", "off", ""):
        assert cache_dir({"PACVIZ_COMPILATION_CACHE": off}) is None


def test_use_compilation_cache_sets_jax_once_and_respects_off(tmp_path, monkeypatch):
    before = jax.config.jax_compilation_cache_dir
    try:
        jax.config.update("jax_compilation_cache_dir", None)
        monkeypatch.setenv("PACVIZ_COMPILATION_CACHE", "0")
        assert use_compilation_cache() is None and not jax.config.jax_compilation_cache_dir
        monkeypatch.setenv("PACVIZ_COMPILATION_CACHE", str(tmp_path / "cache"))
        assert use_compilation_cache() == tmp_path / "cache"
        assert jax.config.jax_compilation_cache_dir == str(tmp_path / "cache") and (tmp_path / "cache").is_dir()
        monkeypatch.setenv("PACVIZ_COMPILATION_CACHE", str(tmp_path / "other"))
        assert use_compilation_cache() == tmp_path / "cache"  # a folder already in use stays
    finally:
        jax.config.update("jax_compilation_cache_dir", before)
    assert compilation_cache.ENV == "PACVIZ_COMPILATION_CACHE"


def test_default_xla_flags_are_added_only_where_the_user_set_none(monkeypatch):
    monkeypatch.setattr(xla_options, "_jaxlib_version", lambda: (0, 10))
    env = {"XLA_FLAGS": "--xla_force_host_platform_device_count=4"}
    assert xla_options.set_default_xla_flags(env) == ("--xla_force_host_platform_device_count=4 "
                                                      "--xla_cpu_experimental_ynn_fusion_type=")
    assert xla_options.set_default_xla_flags(env) == env["XLA_FLAGS"]  # idempotent
    mine = {"XLA_FLAGS": "--xla_cpu_experimental_ynn_fusion_type=default"}
    assert xla_options.set_default_xla_flags(mine) == "--xla_cpu_experimental_ynn_fusion_type=default"
    monkeypatch.setattr(xla_options, "_jaxlib_version", lambda: (0, 9))
    assert "XLA_FLAGS" not in (old := {}) and xla_options.set_default_xla_flags(old) == "" and old == {}


def test_train_and_load_pretrained_turn_the_cache_on(tmp_path, monkeypatch):
    """``pv.train`` and ``pv.load_pretrained`` point JAX at the cache before they compile anything."""
    from pacviz.train import load, trainer

    calls = []
    for module in (trainer, load):
        monkeypatch.setattr(module, "use_compilation_cache", lambda name=module.__name__: calls.append(name))
    with pytest.raises(ValueError, match="devices"):  # fails right after the cache is set, before any work
        trainer.train(preset="quick", devices=10_000, workdir=str(tmp_path / "run"))
    with pytest.raises(FileNotFoundError):
        load.load_pretrained("no_such_model")
    assert calls == ["pacviz.train.trainer", "pacviz.train.load"]
    assert not (tmp_path / "run").exists()
