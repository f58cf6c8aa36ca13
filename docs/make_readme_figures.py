"""Redraw the README's notebook pictures from pacviz's own explorers.

    python docs/make_readme_figures.py     # writes docs/images/notebook_0N.png
"""

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

if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    for name, explorer in EXPLORERS.items():
        explorer().figure.savefig(OUT / name, dpi=60)
        print("wrote", OUT / name)
