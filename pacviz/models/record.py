"""A saved model describes itself: its full resolved :class:`ModelConfig`, image shape and levels.

    meta = dict(model_record(model), ...)            # into a checkpoint's or export's JSON record
    model = model_from_record(meta, rngs=nnx.Rngs(0))  # the same architecture, whatever the presets say now

Loading from the record, not from the preset tables, keeps a saved run loading the architecture
it was trained with after a preset changes. Records written before this existed (no
``"model_config"``) are rebuilt from their model name and preset, with a warning.
"""

from __future__ import annotations

import dataclasses
import warnings

from flax import nnx

from .config import ModelConfig
from .pac_flow import PACFlow


def model_record(model: PACFlow) -> dict:
    """``model_config`` (every field), ``image_shape``, ``num_levels`` and ``pacviz_version`` of ``model``."""
    from .. import __version__  # noqa: PLC0415 (pacviz/__init__ imports this package)

    return dict(model_config=dataclasses.asdict(model.config), image_shape=list(model.image_shape),
                num_levels=model.num_levels, pacviz_version=__version__)


def record_config(meta: dict) -> ModelConfig:
    """The :class:`ModelConfig` a record describes; for an old record (no ``model_config``), the one
    its training config's model name, preset and options give today, with a warning."""
    if "model_config" in meta:
        fields = {f.name for f in dataclasses.fields(ModelConfig)}
        unknown = sorted(set(meta["model_config"]) - fields)
        if unknown:
            raise ValueError(f"the saved model has option(s) {unknown} this pacviz does not know (saved with pacviz "
                             f"{meta.get('pacviz_version', '?')}); load it with that version")
        return ModelConfig(**meta["model_config"])
    config = meta.get("config", {})
    if "model" not in config:
        raise ValueError("the record names no model: it needs 'model_config', or 'config' with 'model' and "
                         "'model_preset' (a checkpoint or export written by pacviz)")
    warnings.warn(f"this saved model's record has no 'model_config' (written by an older pacviz): rebuilding "
                  f"{config['model']!r} from today's {config.get('model_preset', 'paper')!r} preset; if that preset "
                  "changed since, the weights will not fit. Re-export it to record its architecture.", stacklevel=3)
    from .config import model_config  # noqa: PLC0415

    return model_config(config["model"], config.get("model_preset", "paper"), **config.get("model_options", {}))


def model_from_record(meta: dict, *, rngs: nnx.Rngs | None = None) -> PACFlow:
    """A freshly built (untrained) model of the architecture ``meta`` records."""
    return PACFlow(record_config(meta), tuple(meta["image_shape"]), num_levels=meta["num_levels"],
                   rngs=rngs if rngs is not None else nnx.Rngs(0))


__all__ = ["model_from_record", "model_record", "record_config"]
