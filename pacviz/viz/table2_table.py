"""Table 2 as rows and as Markdown: a comparison's test bits/dim (mean ± sd over seeds) beside the
paper's, and the paired comparisons with their intervals and what they can tell."""

from __future__ import annotations

from ..train.comparison import PAPER_TABLE2

MODEL_LABELS = {"realnvp": "RealNVP", "emerging": "Emerging Conv.", "pac_raster": "PAC raster",
                "pac_s_curve": "PAC s-curve"}


def table2_rows(results: dict) -> list[dict]:
    """One row per model of ``results``: label, parameters, our test bits/dim (``test_bpd`` = the mean
    over seeds, ``sd``, the per-seed ``seeds``), rank by mean, steps and stopping reason per seed,
    wall time (min, all seeds), and the paper's Table 2 numbers (CIFAR-10, ImageNet 32×32, 64×64)."""
    ranked = sorted(results["models"], key=lambda m: results["models"][m]["test_bpd"])
    rows = []
    for name in results.get("order", list(results["models"])):
        if name not in results["models"]:
            continue
        record = results["models"][name]
        rows.append(dict(model=name, label=MODEL_LABELS[name], num_params=record["num_params"],
                         test_bpd=record["test_bpd"], sd=record.get("sd"), seeds=record.get("seeds", [record["test_bpd"]]),
                         rank=ranked.index(name) + 1, steps=record.get("steps", [record["config"]["steps"]]),
                         stopped=record.get("stopped", ["budget"]), wall_min=record["wall_time_s"] / 60,
                         **{ds: PAPER_TABLE2[ds][name] for ds in PAPER_TABLE2}))
    return rows


def _mean_sd(row: dict) -> str:
    if row["sd"] is None:
        return f"**{row['test_bpd']:.4f}** (1 seed)"
    return f"**{row['test_bpd']:.4f}** ± {row['sd']:.4f}"


def _steps(row: dict) -> str:
    plateau = sum(s == "plateau" for s in row["stopped"])
    return f"{'/'.join(str(s) for s in row['steps'])} ({plateau} of {len(row['stopped'])} on plateau)"


def table2_markdown(results: dict) -> str:
    """:func:`table2_rows` as a Markdown table (ours: mean ± sd over seeds, next to the paper's), for
    ``IPython.display.Markdown``."""
    rows = table2_rows(results)
    budget = results["budget"]
    n = len(budget.get("seeds", [0]))
    ours = f"mean ± sd over {n} seeds" if n > 1 else "1 seed"
    head = (f"| model | parameters | **ours**: {budget['dataset']}, {ours} (rank) | "
            f"steps per seed (stopped on plateau) | wall min | " + " | ".join(f"paper: {ds}" for ds in PAPER_TABLE2) + " |")
    lines = [head, "|" + "---|" * (5 + len(PAPER_TABLE2))]
    for r in rows:
        lines.append(f"| {r['label']} | {r['num_params']:,} | {_mean_sd(r)} ({r['rank']}) | {_steps(r)} | "
                     f"{r['wall_min']:.1f} | " + " | ".join(f"{r[ds]:.4f}" for ds in PAPER_TABLE2) + " |")
    return "\n".join(lines)


def paired_verdict(pair: dict) -> str:
    """What a paired comparison (``results["paired"]`` item) can tell, from its interval:
    which model is lower (better) if the interval excludes 0, else that they cannot be told apart."""
    a, b = MODEL_LABELS[pair["a"]], MODEL_LABELS[pair["b"]]
    level = f"{pair['level']:.0%}"
    if pair["high"] < 0:
        return f"{a} is lower (better) than {b}: the {level} interval lies below 0"
    if pair["low"] > 0:
        return f"{b} is lower (better) than {a}: the {level} interval lies above 0"
    return f"the {level} interval includes 0, so this miniature cannot tell {a} from {b}"


def paired_markdown(results: dict) -> str:
    """``results["paired"]`` as a Markdown table: A − B (mean over seeds and test images), its
    bootstrap interval, how many seeds × images, and :func:`paired_verdict`."""
    paired = results.get("paired", [])
    if not paired:
        return ("*No paired comparison: these results hold no per-image test bits/dim for two models of a pair "
                "(a format-1 file, or the pair's models were not run).*")
    lines = [f"| A − B | mean difference, bits/dim | {paired[0]['level']:.0%} bootstrap interval | seeds × test images | reading |",
             "|---|---|---|---|---|"]
    for p in paired:
        lines.append(f"| {MODEL_LABELS[p['a']]} − {MODEL_LABELS[p['b']]} | {p['mean']:+.4f} | "
                     f"[{p['low']:+.4f}, {p['high']:+.4f}] | {p['seeds']} × {p['images']} | {paired_verdict(p)} |")
    return "\n".join(lines)


__all__ = ["MODEL_LABELS", "paired_markdown", "paired_verdict", "table2_markdown", "table2_rows"]
