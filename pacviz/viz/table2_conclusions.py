"""What a comparison's numbers support, written from the numbers: the order of the means, whether
the runs reached their plateau, each paired interval's reading, and the paper's claim in miniature."""

from __future__ import annotations

from .table2_table import MODEL_LABELS, paired_verdict


def _stopping(results: dict) -> str:
    stopped = [s for m in results["models"].values() for s in m["stopped"]]
    plateau = stopped.count("plateau")
    budget = results["budget"]
    if "stop" not in budget or budget["stop"]["plateau"] <= 0:
        return (f"- **No stopping rule**: every run trained the whole budget of {budget['steps']} steps; whether its "
                "test curve had levelled off was not checked (see the curves).")
    if plateau == len(stopped):
        return (f"- **Every run ({plateau}) stopped on its plateau**, before the step budget: the models are compared "
                "where their test curves had levelled off under this schedule.")
    return (f"- **{len(stopped) - plateau} of {len(stopped)} runs reached the step budget before the stopping rule "
            "ended them**: those models were still improving, so their ranking says something about how fast they "
            "learn as well as how good they get.")


def _paper_claim(paired: list[dict]) -> list[str]:
    """PAC s-curve against both baselines (the paper: better by 0.05–0.08 bits/dim), and raster vs
    s-curve (the paper: no difference)."""
    lines = []
    vs = {p["b"]: p for p in paired if p["a"] == "pac_s_curve" and p["b"] in ("emerging", "realnvp")}
    if len(vs) == 2:
        if all(p["high"] < 0 for p in vs.values()):
            size = max(p["mean"] for p in vs.values())
            lines.append(f"- **The paper's claim holds in miniature**: PAC s-curve beats both baselines (by at least "
                         f"{-size:.3f} bits/dim on average; the paper: 0.05–0.08).")
        elif any(p["low"] > 0 for p in vs.values()):
            lines.append("- **The paper's claim does not hold here**: at least one baseline is resolvably better than "
                         "PAC s-curve in this miniature.")
        else:
            lines.append("- **The paper's claim is not resolved here**: PAC s-curve is not resolvably better than both "
                         "baselines (at least one interval includes 0).")
    order = next((p for p in paired if p["a"] == "pac_raster"), None)
    if order is not None:
        same = order["low"] <= 0 <= order["high"]
        lines.append("- **Raster vs s-curve**: " + ("no resolvable difference, as the paper found." if same else
                     "a resolvable difference, unlike the paper (which found the two orders equal)."))
    return lines


def comparison_conclusions(results: dict) -> str:
    """Markdown bullet points that follow from a comparison's recorded numbers (``load_comparison()``
    or ``compare()``'s return): nothing in them is written in advance of the numbers."""
    models, paired = results["models"], results.get("paired", [])
    ranked = sorted(models, key=lambda m: models[m]["mean"])
    seeds = len(results["budget"]["seeds"])
    lines = [f"- **Order of the means** ({seeds} seed{'s' * (seeds > 1)} each): "
             + " < ".join(f"{MODEL_LABELS[m]} {models[m]['mean']:.3f}" for m in ranked) + " bits/dim.",
             _stopping(results)]
    if not paired:
        lines.append("- **No paired intervals**: these results hold one seed per model and no per-image values, so no "
                     "difference between two models can be judged against the noise of seeds and test images; "
                     "differences of a few hundredths may not survive another seed.")
        return "\n".join(lines)
    for p in paired:
        verdict = paired_verdict(p)
        lines.append(f"- **{MODEL_LABELS[p['a']]} − {MODEL_LABELS[p['b']]}** = {p['mean']:+.4f} bits/dim, interval "
                     f"[{p['low']:+.4f}, {p['high']:+.4f}]: {verdict}" + ("" if verdict.endswith(".") else "."))
    return "\n".join(lines + _paper_claim(paired))


__all__ = ["comparison_conclusions"]
