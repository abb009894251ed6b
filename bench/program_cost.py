"""Item 1 of issue 14: what the stack program costs per resource, against the SDK's floor.

For 10, 100 and 1,000 ECR repositories (each with a lifecycle and a repository policy: 3 resources
and 1 component each) and a mixed stack (every registry kind, from the example stack files), runs in
fresh interpreters, alternating:

  program  `__main__.py` under a minimal mock (constant outputs, no key generation)
  floor    the same registrations (types, names, parents, inputs as the engine received them) made
           directly through the SDK's resource classes, with the inputs as literals; recorded once
           from the program and checked to register identical inputs.

Reports median wall time (interpreter start to the end of the run, imports included) and peak RSS;
the ratio program/floor; and the cost per added registration from 10 to 100 and from 100 to 1,000.

    PYTHONPATH=components python bench/program_cost.py [--reps 5] [--sizes 10,100,1000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import yaml

from common import ROOT, machine, median, run_child, table  # type: ignore[import-not-found]


def ecr_config(n: int) -> dict:
    return {
        "aws": {
            "region": "eu-west-1",
            "tags": {"team": "platform"},
            "repositories": [
                {
                    "name": f"team{i % 10}/service-{i}",
                    "lifecycle": {"keepLast": [{"tagPrefixes": ["v"], "count": 50}], "untaggedExpireDays": 7},
                    "access": {"pull": ["210987654321"]},
                }
                for i in range(n)
            ],
        }
    }


def mixed_config() -> dict:
    config: dict = {}
    for stack in ("dev", "prod", "staging"):
        values = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
        config.update({k.split(":", 1)[1]: v for k, v in values.items() if k.startswith("registry-platform:")})
    return config


def check_floor(records: list[dict], floor_records: list[dict]) -> list[str]:
    """Registrations where the floor's inputs differ from the program's."""
    mine = {(r["type"], r["name"]): (r["inputs"], r["custom"]) for r in records}
    theirs = {(r["type"], r["name"]): (r["inputs"], r["custom"]) for r in floor_records}
    return sorted(f"{t} {n}" for (t, n) in set(mine) | set(theirs) if mine.get((t, n)) != theirs.get((t, n)))


def measure(label: str, config: dict, reps: int, tmp: Path) -> dict:
    config_path = tmp / f"{label}.config.json"
    config_path.write_text(json.dumps(config))
    records_path, floor_records_path = tmp / f"{label}.records.json", tmp / f"{label}.floor-records.json"
    run_child("record", config_path, tmp / "out.json", records_path)
    run_child("floor-record", config_path, tmp / "out.json", records_path, floor_records_path)
    records = json.loads(records_path.read_text())
    differing = check_floor(records, json.loads(floor_records_path.read_text()))
    results: dict[str, list[dict]] = {"program": [], "floor": []}
    for rep in range(reps):
        order = ("program", "floor") if rep % 2 == 0 else ("floor", "program")
        for mode in order:
            extra = () if mode == "program" else (records_path,)
            results[mode].append(run_child(mode, config_path, tmp / "out.json", *extra))
    summary = {"label": label, "registrations": len(records) - 1, "custom": sum(r["custom"] for r in records),
               "differing": differing}
    for mode, runs in results.items():
        summary[mode] = {
            "wall": median(r["wall"] for r in runs),
            "cpu": median(r["cpu"] for r in runs),
            "rss_mib": median(r["maxrss_kib"] for r in runs) / 1024,
            "walls": [round(r["wall"], 3) for r in runs],
        }
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--no-mixed", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(machine())
    summaries = []
    with tempfile.TemporaryDirectory(prefix="bench-program-") as tmp:
        for n in sizes:
            summaries.append(measure(f"ecr-{n}", ecr_config(n), args.reps, Path(tmp)))
            print(f"  measured ecr-{n}", flush=True)
        if not args.no_mixed:
            summaries.append(measure("mixed", mixed_config(), args.reps, Path(tmp)))
    rows = []
    for s in summaries:
        p, f = s["program"], s["floor"]
        rows.append([
            s["label"], f"{s['registrations']} ({s['custom']} custom)",
            f"{p['wall']:.2f}", f"{f['wall']:.2f}", f"{p['wall'] / f['wall']:.2f}x",
            f"{p['cpu']:.2f}", f"{f['cpu']:.2f}", f"{p['cpu'] / f['cpu']:.2f}x",
            f"{p['rss_mib']:.0f}", f"{f['rss_mib']:.0f}", f"{p['rss_mib'] / f['rss_mib']:.2f}x",
        ])
    print()
    print(f"Medians of {args.reps} fresh processes per cell, program and floor alternating.")
    print(table(["stack", "registrations", "program s", "floor s", "wall ratio", "program CPU s", "floor CPU s",
                 "CPU ratio", "program MiB", "floor MiB", "RSS ratio"], rows))
    ecr = [s for s in summaries if s["label"].startswith("ecr-")]
    if len(ecr) >= 2:
        print()
        steps = []
        for a, b in zip(ecr, ecr[1:]):
            added = b["registrations"] - a["registrations"]
            per_p = (b["program"]["wall"] - a["program"]["wall"]) / added * 1000
            per_f = (b["floor"]["wall"] - a["floor"]["wall"]) / added * 1000
            steps.append([f"{a['label']} -> {b['label']}", added, f"{per_p:.2f}", f"{per_f:.2f}", f"{per_p / per_f:.2f}x"])
        print(table(["step", "added registrations", "program ms/registration", "floor ms/registration", "ratio"], steps))
    for s in summaries:
        if s["differing"]:
            print(f"\n{s['label']}: the floor's inputs differ from the program's for {s['differing']}")
        print(f"{s['label']} walls: program {s['program']['walls']} floor {s['floor']['walls']}")


if __name__ == "__main__":
    main()
