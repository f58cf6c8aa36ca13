"""``pacviz train | eval | sample``: the command line.

    pacviz train                                  # a small PAC model on the embedded photos (minutes, CPU)
    pacviz train --preset paper --dataset cifar10 --data-root ~/data/cifar10   # Sec. 5.1 exactly
    pacviz eval --workdir runs/default --num-samples 16
    pacviz sample --workdir runs/default --num 64 --out samples.png
    pacviz export --workdir runs/default --out my_weights     # params.npz + meta.json
    pacviz compare --jobs 4 --out runs/compare/results        # Table 2 in miniature: 4 models, one budget
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

from .train.config import TRAIN_PRESETS, TrainConfig

_HELP = {f.name: "" for f in dataclasses.fields(TrainConfig)}
_HELP.update(
    model="one of realnvp, emerging, pac_raster, pac_s_curve", model_preset="paper, paper_imagenet64, small or tiny",
    dataset="photos, digits, cifar10, imagenet32 or imagenet64", data_root="folder holding the dataset's files",
    steps="gradient steps", batch_size="images per step", lr="peak learning rate (AdaBelief)",
    warmup_steps="linear warm-up steps", decay_steps="cosine decay steps after warm-up", final_lr="lr after decay",
    clip_norm="global gradient-norm clip", init_batch_size="images for data-dependent init",
    eval_every="test bits/dim every N steps", eval_images="test images per evaluation",
    sample_every="sample grid every N steps", num_samples="images per sample grid",
    temperature="sampling temperature", checkpoint_every="checkpoint every N steps",
    keep_checkpoints="last N checkpoints kept (plus the best)", log_every="metrics line every N steps",
    max_nonfinite="stop after N consecutive non-finite losses", workdir="output folder (resumes if it holds a run)",
    seed="random seed", devices="local devices for data parallelism (default: all)")


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
        default = TRAIN_PRESETS["default"].get(f.name, f.default)
        parser.add_argument("--" + f.name.replace("_", "-"), type=kind, default=None,
                            help=f"{_HELP[f.name]} (default preset: {default})")
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
            raise SystemExit(f"--model-option takes KEY=VALUE, got {pair!r}")
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


def cmd_train(args):
    import jax

    from .train.config import train_config
    from .train.trainer import train
    from .viz.figures.training_curves import training_curves_figure

    if args.distributed:  # None lets JAX detect Slurm / Open MPI / TPU pod settings
        jax.distributed.initialize(coordinator_address=args.coordinator, num_processes=args.num_processes,
                                   process_id=args.process_id)
    config = train_config(args.preset, **train_options(args))
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
          f"{bpd:.4f}" if bpd is not None else f"done in {wall / 60:.1f} min")
    print(f"metrics: {Path(config.workdir) / 'metrics.jsonl'}  curves: {curves}  samples: "
          f"{Path(config.workdir) / 'samples'}  checkpoints: {Path(config.workdir) / 'checkpoints'}")
    return 0


def cmd_eval(args):
    import numpy as np
    from flax import nnx

    from .data.batching import evaluation_images
    from .data.load import load_dataset
    from .models.likelihood import bits_per_dim, estimate_name
    from .train.load import load_run

    model, meta = load_run(args.workdir, which=args.which)
    config = meta["config"]
    test = load_dataset(config["dataset"], root=args.data_root or config.get("data_root"), split="test")
    images = evaluation_images(test, min(args.images or len(test), len(test)))
    rngs = nnx.Rngs(noise=args.seed)
    values = [np.asarray(bits_per_dim(model, images[i:i + args.batch_size], rngs=rngs, num_samples=args.num_samples))
              for i in range(0, len(images), args.batch_size)]
    bpd = float(np.mean(np.concatenate(values)))
    print(f"{config['model']} step {meta['step']} ({args.which}): test bits/dim = {bpd:.4f} "
          f"[{estimate_name(args.num_samples)}, {len(images)} test images of {config['dataset']}]")
    return 0


def cmd_sample(args):
    from flax import nnx

    from .train.load import load_run
    from .train.samples import save_grid

    model, meta = load_run(args.workdir, which=args.which)
    images = model.sample(args.num, rngs=nnx.Rngs(noise=args.seed), temperature=args.temperature)
    out = save_grid(args.out, images, model.num_levels)
    stats = model.inverse_stats()
    if stats:
        its = [s["iterations"] for s in stats]
        print(f"Jacobi iterations per PAC/emerging layer (L + U): min {min(its)}, mean {sum(its) / len(its):.1f}, "
              f"max {max(its)}; converged in {sum(s['converged'] for s in stats)}/{len(stats)} layers")
    print(f"wrote {args.num} samples to {out}")
    return 0


def cmd_export(args):
    import shutil

    from .train.load import export_weights, load_run

    model, meta = load_run(args.workdir, which=args.which)
    meta = dict(meta, command=args.command_line or f"pacviz train --workdir {args.workdir} ...")
    out = export_weights(model, meta, args.out)
    for name in ("metrics.jsonl", "curves.png"):
        if (Path(args.workdir) / name).exists():
            shutil.copy(Path(args.workdir) / name, out / name)
    samples = sorted((Path(args.workdir) / "samples").glob("step_*.png"))
    if samples:
        shutil.copy(samples[-1], out / "samples.png")
    print(f"exported step {meta['step']} of {args.workdir} ({args.which}) to {out}")
    return 0


def cmd_compare(args):
    import jax

    from .train.comparison import compare

    models = [m.strip() for m in args.models.split(",") if m.strip()]
    print(f"pacviz compare: {', '.join(models)} ({args.model_preset}) on {args.dataset}, {args.steps} steps of "
          f"batch {args.batch_size} each, on {jax.device_count()} {jax.default_backend()} device(s) -> {args.out}")
    results = compare(models, model_preset=args.model_preset, dataset=args.dataset, steps=args.steps,
                      batch_size=args.batch_size, lr=args.lr, final_lr=args.final_lr, seed=args.seed,
                      eval_images=args.eval_images, evals=args.evals, workdir=args.workdir, out=args.out,
                      num_samples=args.num_samples, jobs=args.jobs, progress=not args.no_progress)
    print(f"test bits/dim ({results['estimate']}, all {results['test_images']} test images of {args.dataset}):")
    for name, record in results["models"].items():
        print(f"  {name:12s} {record['num_params']:>10,d} params  {record['test_bpd']:.4f}  "
              f"({record['wall_time_s'] / 60:.1f} min)")
    print(f"wrote {Path(args.out) / 'results.json'} and samples.npz")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="pacviz", description="PAC flows: train, evaluate and sample.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="train a model (resumes from --workdir)")
    _add_train_options(p)
    p.set_defaults(func=cmd_train)
    for name, func, helptext in (("eval", cmd_eval, "test bits/dim of a trained run"),
                                 ("sample", cmd_sample, "a grid of samples from a trained run")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--workdir", required=True, help="the run's folder (as given to pacviz train)")
        p.add_argument("--which", default="best", choices=("best", "last"), help="which checkpoint")
        p.add_argument("--seed", type=int, default=0)
        p.set_defaults(func=func)
        if name == "eval":
            p.add_argument("--num-samples", type=int, default=1,
                           help="dequantization samples: 1 = variational bound, S > 1 = importance-weighted")
            p.add_argument("--images", type=int, default=None, help="test images (default: all)")
            p.add_argument("--batch-size", type=int, default=64)
            p.add_argument("--data-root", default=None)
        else:
            p.add_argument("--num", type=int, default=64)
            p.add_argument("--temperature", type=float, default=1.0)
            p.add_argument("--out", default="samples.png")
    p = sub.add_parser("export", help="write a run's weights (npz + json, no optimizer state) to a folder")
    p.add_argument("--workdir", required=True)
    p.add_argument("--which", default="best", choices=("best", "last"))
    p.add_argument("--out", required=True, help="folder to write params.npz, meta.json, metrics and samples to")
    p.add_argument("--command-line", default=None, help="the training command, recorded in meta.json")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("compare", help="Table 2 in miniature: train the four models on one budget at equal size")
    p.add_argument("--models", default="realnvp,emerging,pac_raster,pac_s_curve", help="comma-separated model names")
    p.add_argument("--model-preset", default="small", help="architecture size: small, tiny, paper, paper_imagenet64")
    p.add_argument("--dataset", default="photos")
    p.add_argument("--steps", type=int, default=120, help="gradient steps per model")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--lr", type=float, default=1e-3, help="peak learning rate (warm-up: first fifth of the steps)")
    p.add_argument("--final-lr", type=float, default=1e-4, help="lr at the end of the cosine decay")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--eval-images", type=int, default=128, help="test images per evaluation during training")
    p.add_argument("--evals", type=int, default=4, help="evaluations during training (the test curve)")
    p.add_argument("--workdir", default="runs/compare", help="the runs' folders (workdir/<model>; resumable)")
    p.add_argument("--out", default="runs/compare/results", help="folder for results.json and samples.npz")
    p.add_argument("--num-samples", type=int, default=16, help="samples drawn from each model at the end")
    p.add_argument("--jobs", type=int, default=1, help="models trained at once, each in its own process")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_compare)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError) as err:
        print(f"pacviz {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
