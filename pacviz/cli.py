"""``pacviz train | eval | sample``: the command line.

    pacviz train                                  # a small PAC model on the embedded photos (minutes, CPU)
    pacviz train --preset paper --dataset cifar10 --data-root ~/data/cifar10   # Sec. 5.1 exactly
    pacviz eval --num-samples 16                  # --workdir defaults to runs/default everywhere
    pacviz sample --num 64                        # -> runs/default/samples.png (or --out FILE)
    pacviz export --out my_weights                # params.npz + meta.json (default: WORKDIR/export)
    pacviz --version

Exit codes: 0 done, 2 a user error (one line; `pacviz --debug ...` shows the traceback), 3 training
diverged, 130 interrupted (Ctrl-C; the current step is checkpointed).
    pacviz compare --jobs 4 --out runs/compare/results        # Table 2 in miniature: 4 models, one budget
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
from pathlib import Path

from .compilation_cache import use_compilation_cache
from .train.config import TRAIN_PRESETS, TrainConfig

_HELP = {f.name: "" for f in dataclasses.fields(TrainConfig)}
_HELP.update(
    model="one of realnvp, emerging, pac_raster, pac_s_curve", model_preset="paper, paper_imagenet64, small or tiny",
    dataset="photos, photos16, digits, cifar10, imagenet32 or imagenet64", data_root="folder holding the dataset's files",
    steps="gradient steps", batch_size="images per step", lr="peak learning rate (AdaBelief)",
    warmup_steps="linear warm-up steps", decay_steps="cosine decay steps after warm-up", final_lr="lr after decay",
    clip_norm="global gradient-norm clip", init_batch_size="images for data-dependent init",
    eval_every="test bits/dim every N steps", eval_images="test images per evaluation",
    sample_every="sample grid every N steps", num_samples="images per sample grid",
    temperature="sampling temperature", checkpoint_every="checkpoint every N steps",
    keep_checkpoints="last N checkpoints kept (plus the best)", log_every="metrics line every N steps",
    max_nonfinite="stop after N consecutive non-finite losses", workdir="output folder (resumes if it holds a run)",
    seed="random seed", devices="local devices for data parallelism")

DEFAULT_WORKDIR = "runs/default"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pacviz")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _at_least(minimum: int):
    """An argparse type: an int >= ``minimum`` (argparse names the flag in its error)."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an int >= {minimum}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be an int >= {minimum}, got {value}")
        return value
    return parse


def _positive_float(text):
    """An argparse type: a finite float > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be finite and > 0, got {text}")
    return value


def _add_train_options(parser):
    parser.add_argument("--preset", default="default", choices=sorted(TRAIN_PRESETS),
                        help="training preset: 'default' (small PAC model, embedded photos, minutes on a CPU), "
                             "'paper' (Sec. 5.1 exactly), 'quick' or 'tiny' (smoke runs); options below override it")
    for f in dataclasses.fields(TrainConfig):
        if f.name == "model_options":
            continue
        kind = {"int": int, "float": float, "str": str}.get(str(f.type).split(" ")[0].replace("|", "").strip(), str)
        if f.name in ("data_root",):
            kind = str
        if f.name == "devices":
            kind = int
        default = DEFAULT_WORKDIR if f.name == "workdir" else TRAIN_PRESETS["default"].get(f.name, f.default)
        shown = "all" if f.name == "devices" and default is None else default
        parser.add_argument("--" + f.name.replace("_", "-"), type=kind, default=None,
                            help=f"{_HELP[f.name]} (default: {shown})" if shown is not None else _HELP[f.name])
    parser.add_argument("--model-option", action="append", default=[], metavar="KEY=VALUE",
                        help="architecture override, e.g. --model-option blocks=6 (repeatable)")
    parser.add_argument("--distributed", action="store_true",
                        help="call jax.distributed.initialize() first (multi-host; see README 'Many GPUs')")
    parser.add_argument("--coordinator", default=None, help="with --distributed: host:port of process 0")
    parser.add_argument("--num-processes", type=int, default=None, help="with --distributed: number of hosts")
    parser.add_argument("--process-id", type=int, default=None, help="with --distributed: this host's index")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _model_options(pairs):
    options = {}
    for pair in pairs:
        if "=" not in pair:
            raise ValueError(f"--model-option takes KEY=VALUE, got {pair!r}")
        key, value = pair.split("=", 1)
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    return options


def train_options(args) -> dict:
    """The ``pv.train`` keyword options given on the command line."""
    names = [f.name for f in dataclasses.fields(TrainConfig) if f.name != "model_options"]
    options = {n: getattr(args, n) for n in names if getattr(args, n) is not None}
    if args.model_option:
        options["model_options"] = _model_options(args.model_option)
    return options


def cli_train_config(args):
    """The TrainConfig ``pacviz train`` runs: the preset with the given options on top, and
    ``--workdir`` defaulting to runs/default whatever the preset or model (as for every subcommand)."""
    from .train.config import train_config

    return train_config(args.preset, **{"workdir": DEFAULT_WORKDIR, **train_options(args)})


def cmd_train(args):
    import jax

    from .train.trainer import train
    from .viz.figures.training_curves import training_curves_figure

    if args.distributed:  # None lets JAX detect Slurm / Open MPI / TPU pod settings
        jax.distributed.initialize(coordinator_address=args.coordinator, num_processes=args.num_processes,
                                   process_id=args.process_id)
    config = cli_train_config(args)
    print(f"pacviz train: {config.model} ({config.model_preset}) on {config.dataset}, {config.steps} steps of "
          f"batch {config.batch_size}, on {jax.device_count()} {jax.default_backend()} device(s) -> {config.workdir}")
    start = time.perf_counter()
    result = train(config, progress=not args.no_progress)
    wall = time.perf_counter() - start
    fig = training_curves_figure(result.history, title=f"{config.model} on {config.dataset}")
    curves = Path(config.workdir) / "curves.png"
    fig.savefig(curves, dpi=100)
    bpd = result.test_bpd
    print(f"done in {wall / 60:.1f} min; test bits/dim (variational bound, {config.eval_images} images): "
          f"{bpd:.4f}" if bpd is not None else f"done in {wall / 60:.1f} min; the final model (step {result.step}) "
          "has no test evaluation")
    print(f"metrics: {Path(config.workdir) / 'metrics.jsonl'}  curves: {curves}  samples: "
          f"{Path(config.workdir) / 'samples'}  checkpoints: {Path(config.workdir) / 'checkpoints'}")
    return 0


def cmd_eval(args):
    from .train.run_evaluation import evaluate_run

    result, meta = evaluate_run(args.workdir, which=args.which, images=args.images, num_samples=args.num_samples,
                                batch_size=args.batch_size, seed=args.seed, data_root=args.data_root, progress=True)
    config = meta["config"]
    print(f"{config['model']} step {meta['step']} ({args.which}) on {config['dataset']}: test bits/dim = "
          f"{result.bits_per_dim:.6f} [{result.estimate}, {result.num_images} test images]")
    return 0


def cmd_sample(args):
    from .train.samples import sample_run

    out, stats = sample_run(args.workdir, args.out, num=args.num, which=args.which, seed=args.seed or 0,
                            temperature=args.temperature, progress=True)
    if stats:
        its = [s["iterations"] for s in stats]
        print(f"Jacobi iterations per PAC/emerging layer (L + U): min {min(its)}, mean {sum(its) / len(its):.1f}, "
              f"max {max(its)}; converged in {sum(s['converged'] for s in stats)}/{len(stats)} layers")
    print(f"wrote {args.num} samples to {out}")
    return 0


def cmd_export(args):
    from .train.load import export_run

    out, meta = export_run(args.workdir, args.out, which=args.which, command=args.command_line)
    print(f"exported step {meta['step']} of {args.workdir} ({args.which}) to {out}")
    return 0


def cmd_compare(args):
    import jax

    from .train.compare_options import options_from_args
    from .train.comparison import compare

    opts = options_from_args(args)
    print(f"pacviz compare: {', '.join(opts.models)} ({opts.model_preset}) on {opts.dataset}, seeds 0..{opts.seeds - 1}, "
          f"up to {opts.steps} steps of batch {opts.batch_size} each, on {jax.device_count()} "
          f"{jax.default_backend()} device(s)")
    options = {k: v for k, v in vars(opts).items() if k != "models"}
    results = compare(opts.models, progress=not args.no_progress, **options)
    print(f"stopping rule: {results['stopping_rule']}")
    print(f"test bits/dim ({results['estimate']}, all {results['test_images']} test images of {opts.dataset}), "
          "mean ± sd over seeds:")
    for name, record in results["models"].items():
        sd = f" ± {record['sd']:.4f}" if record["sd"] is not None else ""
        print(f"  {name:12s} {record['num_params']:>10,d} params  {record['mean']:.4f}{sd}  seeds "
              f"{', '.join(f'{v:.4f}' for v in record['seeds'])}  steps {record['steps']}  "
              f"({record['wall_time_s'] / 60:.1f} min)")
    for pair in results["paired"]:
        print(f"  {pair['a']} − {pair['b']}: {pair['mean']:+.4f} bits/dim, {pair['level']:.0%} bootstrap interval "
              f"[{pair['low']:+.4f}, {pair['high']:+.4f}] ({pair['seeds']} seeds × {pair['images']} images)")
    print(f"wrote results.json and samples.npz to {opts.out or Path(opts.workdir) / 'results'}")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="pacviz", description="PAC flows: train, evaluate and sample.")
    parser.add_argument("--version", action="version", version=f"pacviz {_version()}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True)
    parser.set_defaults(debug=False)
    p = sub.add_parser("train", help="train a model (resumes from --workdir)")
    _add_train_options(p)
    p.set_defaults(func=cmd_train)
    for name, func, helptext in (("eval", cmd_eval, "test bits/dim of a trained run"),
                                 ("sample", cmd_sample, "a grid of samples from a trained run")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--workdir", default=DEFAULT_WORKDIR,
                       help=f"the run's folder, as given to pacviz train (default: {DEFAULT_WORKDIR})")
        p.add_argument("--which", default="best", choices=("best", "last"), help="which checkpoint")
        p.add_argument("--seed", type=_at_least(0), default=None,
                       help="noise seed (eval: default the run's own evaluation key, which reproduces the test_bpd "
                            "in its metrics.jsonl; sample: default 0)")
        p.set_defaults(func=func)
        if name == "eval":
            p.add_argument("--num-samples", type=_at_least(1), default=1,
                           help="dequantization samples per image: 1 = the variational bound; S > 1 = the "
                                "importance-weighted bound (tighter), which costs S times the time of S = 1 (S "
                                "passes over the images, one batch in memory at a time)")
            p.add_argument("--images", type=_at_least(1), default=None,
                           help="evenly spaced test images (default: all; the run's eval_images reproduces its "
                                "test_bpd)")
            p.add_argument("--batch-size", type=_at_least(1), default=64, help="images per batch (default: 64)")
            p.add_argument("--data-root", default=None, help="folder holding the dataset's files (default: the "
                                                                 "run's)")
        else:
            p.add_argument("--num", type=_at_least(1), default=64, help="images in the grid (default: 64)")
            p.add_argument("--temperature", type=_positive_float, default=1.0,
                           help="standard deviation of the latents (default: 1)")
            p.add_argument("--out", default=None, help="PNG to write (default: WORKDIR/samples.png)")
    p = sub.add_parser("export", help="write a run's weights (npz + json, no optimizer state) to a folder")
    p.add_argument("--workdir", default=DEFAULT_WORKDIR, help=f"the run's folder (default: {DEFAULT_WORKDIR})")
    p.add_argument("--which", default="best", choices=("best", "last"), help="which checkpoint (default: best)")
    p.add_argument("--out", default=None, help="folder to write params.npz, meta.json, metrics and samples to "
                                               "(default: WORKDIR/export)")
    p.add_argument("--command-line", default=None, help="the training command, recorded in meta.json")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("compare", help="Table 2 in miniature: train the four models on one budget at equal size")
    from .train.compare_options import add_compare_arguments

    add_compare_arguments(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_compare)
    for p in sub.choices.values():  # `pacviz train --debug` works as well as `pacviz --debug train`
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show the full traceback of an error")
    return parser


def _default_outputs(args):
    """Outputs go into the workdir unless ``--out`` says otherwise; a folder output that is a file is
    refused before any work."""
    if args.command in ("sample", "export") and args.out is None:  # compare resolves its own (WORKDIR/results)
        args.out = str(Path(args.workdir) / ("samples.png" if args.command == "sample" else "export"))
    if args.command in ("export", "compare") and args.out is not None and Path(args.out).is_file():
        raise FileExistsError(f"--out {args.out} is a file; give a folder path")


def main(argv=None) -> int:
    """Run ``pacviz ARGS``. Exit codes: 0 done, 2 a user error (one line on stderr; ``--debug`` shows
    the traceback), 3 training diverged, 130 interrupted (Ctrl-C)."""
    args = build_parser().parse_args(argv)
    use_compilation_cache()
    from .train.lock import WorkdirBusy
    from .train.trainer import TrainingDiverged

    try:
        _default_outputs(args)
        return args.func(args)
    except TrainingDiverged as err:
        if args.debug:
            raise
        print(f"pacviz {args.command}: {err}", file=sys.stderr)
        return 3
    except KeyboardInterrupt as err:
        print(f"pacviz {args.command}: {err or 'interrupted'}", file=sys.stderr)
        return 130
    except (ValueError, TypeError, OSError, WorkdirBusy) as err:
        if args.debug:
            raise
        print(f"pacviz {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
