"""Table 2 as rows and as Markdown: a comparison's test bits/dim beside the paper's."""

from __future__ import annotations

from ..train.comparison import PAPER_TABLE2

MODEL_LABELS = {"realnvp": "RealNVP", "emerging": "Emerging Conv.", "pac_raster": "PAC raster",
                "pac_s_curve": "PAC s-curve"}


def table2_rows(results: dict) -> list[dict]:
    """One row per model of ``results``: label, parameters, our test bits/dim, rank, steps, wall time
    (min), and the paper's Table 2 numbers (CIFAR-10, ImageNet 32×32, ImageNet 64×64)."""
    ranked = sorted(results["models"], key=lambda m: results["models"][m]["test_bpd"])
    rows = []
    for name in results.get("order", list(results["models"])):
        if name not in results["models"]:
            continue
        record = results["models"][name]
        rows.append(dict(model=name, label=MODEL_LABELS[name], num_params=record["num_params"],
                         test_bpd=record["test_bpd"], rank=ranked.index(name) + 1,
                         steps=record["config"]["steps"], wall_min=record["wall_time_s"] / 60,
                         **{ds: PAPER_TABLE2[ds][name] for ds in PAPER_TABLE2}))
    return rows


def table2_markdown(results: dict) -> str:
    """:func:`table2_rows` as a Markdown table (ours next to the paper's), for ``IPython.display.Markdown``."""
    rows = table2_rows(results)
    budget = results["budget"]
    head = (f"| model | parameters | **ours**: {budget['dataset']}, {budget['steps']} steps (rank) | wall min | "
            + " | ".join(f"paper: {ds}" for ds in PAPER_TABLE2) + " |")
    lines = [head, "|" + "---|" * (4 + len(PAPER_TABLE2))]
    for r in rows:
        lines.append(f"| {r['label']} | {r['num_params']:,} | **{r['test_bpd']:.4f}** ({r['rank']}) | "
                     f"{r['wall_min']:.1f} | " + " | ".join(f"{r[ds]:.4f}" for ds in PAPER_TABLE2) + " |")
    return "\n".join(lines)


__all__ = ["MODEL_LABELS", "table2_markdown", "table2_rows"]
