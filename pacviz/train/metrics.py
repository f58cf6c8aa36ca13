"""Metrics as JSON lines in ``WORKDIR/metrics.jsonl`` (one object per line)."""

from __future__ import annotations

import json
import math
from pathlib import Path


class MetricsLog:
    """Append records to ``path``; on resume, records past the resumed step are dropped first, so
    the file reads as one uninterrupted run."""

    def __init__(self, path, resume_step: int = 0):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        kept = [r for r in read_metrics(self.path) if r.get("step", 0) <= resume_step] if resume_step else []
        with self.path.open("w") as f:
            f.writelines(json.dumps(r) + "\n" for r in kept)
        self.records = kept

    def write(self, record: dict):
        clean = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in record.items()}
        with self.path.open("a") as f:
            f.write(json.dumps(clean) + "\n")
        self.records.append(clean)


def read_metrics(path) -> list[dict]:
    """All records of a ``metrics.jsonl`` (a missing file reads as none)."""
    path = Path(path)
    if path.is_dir():
        path = path / "metrics.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
