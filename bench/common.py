"""Helpers shared by the benchmark scripts: fresh-process runs, medians, table printing."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parents[1]
PYTHON = os.environ.get("BENCH_PYTHON", sys.executable)
CHILD = ROOT / "bench" / "_child.py"


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "components"), str(ROOT)])
    env.pop("PULUMI_CONFIG", None)
    env.update(extra or {})
    return env


def run_child(mode: str, config: Path, out: Path, *extra_paths: Path, python_args: Sequence[str] = (), timeout: float = 600) -> dict[str, Any]:
    """One fresh interpreter running bench/_child.py; returns its JSON report plus the process wall time."""
    started = time.perf_counter()
    done = subprocess.run(
        [PYTHON, *python_args, str(CHILD), mode, str(config), *map(str, extra_paths), str(out)],
        env=child_env(), capture_output=True, text=True, timeout=timeout,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{mode} failed:\n{done.stderr[-4000:]}")
    report = json.loads(out.read_text())
    report["process_wall"] = elapsed
    report["stderr"] = done.stderr
    return report


def median(values) -> float:
    return statistics.median(list(values))


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table (also readable on a terminal)."""
    text = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in text) for i in range(len(headers))]
    lines = ["| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths)) + " |" for row in text]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def machine() -> str:
    import platform

    cpus = os.cpu_count()
    try:
        model = next(l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name"))
    except (StopIteration, OSError):
        model = platform.processor()
    load = os.getloadavg()
    return f"{model}, {cpus} CPUs, Python {platform.python_version()}, load average {load[0]:.1f} (shared machine)"
