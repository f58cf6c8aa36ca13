"""Redraw the README's notebook pictures from pacviz's own explorers and figures.

    python docs/make_readme_figures.py                       # writes docs/images/notebook_0N.png
    python docs/make_readme_figures.py notebook_06.png       # only the pictures named
"""

import sys
from pathlib import Path

import pacviz.viz as pvz

OUT = Path(__file__).resolve().parent / "images"
EXPLORERS = {
    "notebook_01.png": pvz.PatchExplorer,
    "notebook_02.png": pvz.KernelExplorer,
    "notebook_03.png": pvz.OrderMaskExplorer,
    "notebook_04.png": pvz.PluExplorer,
    "notebook_05.png": pvz.JacobiStepper,
}


def notebook_06_figure():
    """The shipped small PAC model's activations, stage by stage, for one test photo (notebook 06)."""
    import numpy as np
    from flax import nnx

    import pacviz as pv
    from pacviz.data import evaluation_images, load_dataset

    model, _ = pv.load_pretrained()
    images = evaluation_images(load_dataset("photos", split="test"), 8)
    example = int(np.argmax(images.std(axis=(1, 2, 3))))
    summary = pv.layer_summary(model, images, rngs=nnx.Rngs(noise=0))
    stages = ("dequantization", "scales/0/layers/0", "squeeze 1")
    show = [r for r in summary.rows if r.name in stages] + summary.rows[-1:]
    return pvz.activations_figure({r.name: r.output[example] for r in show}, channels=3, image=images[example])


def notebook_07_figure():
    """The shipped model's training curves (its metrics.jsonl) beside samples it draws (notebook 07)."""
    from flax import nnx

    import pacviz as pv
    from pacviz.train import read_metrics
    from pacviz.train.load import PRETRAINED_DIR

    model, meta = pv.load_pretrained()
    samples = model.sample(16, rngs=nnx.Rngs(noise=0), temperature=0.7)
    history = read_metrics(PRETRAINED_DIR / "pac_s_curve_photos")
    return pvz.live_training_figure(history, samples, title=f"{meta['config']['model']} on the photos")


def notebook_08_figure():
    """The trained-filter explorer on a textured test photo, at a full-resolution layer (notebook 08)."""
    explorer = pvz.TrainedFilterExplorer()
    explorer.show(layer=4, image=1, row=12, col=20)  # channel coupling 1: one layer pixel per photo pixel
    return explorer.figure


def notebook_09_figure():
    """The shipped comparison's test curves, four models at equal size and budget (notebook 09)."""
    from pacviz.train import load_comparison

    return pvz.comparison_curves_figure(load_comparison())


FIGURES = {"notebook_06.png": notebook_06_figure, "notebook_07.png": notebook_07_figure,
           "notebook_08.png": notebook_08_figure, "notebook_09.png": notebook_09_figure}

if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    wanted = set(sys.argv[1:])
    for name, make in {**{k: (lambda e=e: e().figure) for k, e in EXPLORERS.items()}, **FIGURES}.items():
        if wanted and name not in wanted:
            continue
        make().savefig(OUT / name, dpi=60)
        print("wrote", OUT / name)
