"""pacviz: PAC flows (normalizing flows with invertible pixel adaptive convolutions), step by step.

    import pacviz as pv
    k = pv.pac_kernel(f, sigma2, lengthscale, kernel_size=5)
    z, log_det = pv.pac_forward(x, weight, k, pv.autoregressive_mask(pv.make_order(H, W), 5))
"""

from . import _quiet

_quiet.quiet()  # before JAX loads: no XLA/absl log lines on a normal run

from .xla_options import set_default_xla_flags  # noqa: E402

set_default_xla_flags()  # before JAX's backend starts: measured CPU defaults (bench/RESULTS.md)

from .ops import *  # noqa: F401,F403
from .ops import __all__ as _ops_all
from .models import MODEL_NAMES, bits_per_dim, build_model, count_params
from .models.evaluation import Evaluation, evaluate
from .models.abstract import abstract_model
from .models.summary import flow_summary, layer_summary
from .models.inversion_curves import InversionCurves, inversion_curves, invert_probe
from .models.layer_probe import PACLayerProbe, probe_pac_layers

__version__ = "0.1.0"



def __getattr__(name):
    # Training pulls in orbax and tqdm: imported on first use, so `import pacviz` stays light.
    # `pv.train` is the pacviz.train package, which is callable: pv.train(**options) trains.
    import importlib

    if name == "train":
        return importlib.import_module("pacviz.train")
    if name == "load_pretrained":
        return importlib.import_module("pacviz.train").load_pretrained
    raise AttributeError(f"module 'pacviz' has no attribute {name!r}")


__all__ = list(_ops_all) + ["abstract_model", "flow_summary", "layer_summary", "MODEL_NAMES", "Evaluation", "bits_per_dim", "evaluate", "build_model", "count_params", "load_pretrained", "train",
                            "InversionCurves", "PACLayerProbe", "inversion_curves", "invert_probe", "probe_pac_layers",
                            "__version__"]
