"""pacviz: PAC flows (normalizing flows with invertible pixel adaptive convolutions), step by step.

    import pacviz as pv
    k = pv.pac_kernel(f, sigma2, lengthscale, kernel_size=5)
    z, log_det = pv.pac_forward(x, weight, k, pv.autoregressive_mask(pv.make_order(H, W), 5))
"""

__version__ = "0.1.0"

from . import _quiet  # noqa: E402

_quiet.quiet()  # before JAX loads: no XLA/absl log lines on a normal run

from .xla_options import set_default_xla_flags  # noqa: E402

set_default_xla_flags()  # before JAX's backend starts: measured CPU defaults (bench/RESULTS.md)

from .ops import *  # noqa: F401,F403
from .ops import __all__ as _ops_all
from .models import MODEL_NAMES, bits_per_dim, build_model, count_params
from .models.evaluation import Evaluation, evaluate
from .models.abstract import abstract_model
from .models.summary import flow_jacobian, flow_summary, layer_summary
from .models.inversion_curves import InversionCurves, inversion_curves, invert_probe
from .models.layer_probe import PACLayerProbe, probe_pac_layers
# `pv.train` is a function, the training recipe, carrying the names of the package pacviz.train
# (`pv.train.TrainConfig`). Importing the package here, before binding the name, keeps it so: a
# later `import pacviz.train.<module>` finds the package loaded and leaves `pacviz.train` alone.
from .train import load_pretrained, train

__all__ = list(_ops_all) + ["abstract_model", "flow_jacobian", "flow_summary", "layer_summary", "MODEL_NAMES", "Evaluation", "bits_per_dim", "evaluate", "build_model", "count_params", "load_pretrained", "train",
                            "InversionCurves", "PACLayerProbe", "inversion_curves", "invert_probe", "probe_pac_layers",
                            "__version__"]
