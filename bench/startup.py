"""Item 2 of issue 14: start-up cost of the self-hosted-only dev stack (Pulumi.dev.yaml) against a floor.

  program  `__main__.py` with the dev stack's config, under the minimal mock
  floor    a program that imports pulumi, pulumi_docker, pulumi_tls and pulumi_random and registers the
           same resources with the same inputs (recorded from the program; inputs checked identical)

Import time is the sum of the top-level `-X importtime` entries of the whole process (separate runs,
since -X importtime slows imports down a little); wall time is from interpreter start to the end of the
run. Also lists which cloud SDKs and cloud settings modules the dev stack loads (it should load none),
and what importing each settings section costs on its own.

    PYTHONPATH=components python bench/startup.py [--reps 7]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile
from pathlib import Path

import yaml

from common import PYTHON, ROOT, child_env, machine, median, run_child, table  # type: ignore[import-not-found]

_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")


def import_times(stderr: str) -> dict[str, float]:
    """Module -> cumulative seconds, for top-level entries only (plus `_total`)."""
    top: dict[str, float] = {}
    for match in _LINE.finditer(stderr):
        _, cumulative, indent, name = match.groups()
        if len(indent) == 1:
            top[name] = top.get(name, 0.0) + int(cumulative) / 1e6
    top["_total"] = sum(top.values())
    return top


def nested_cumulative(stderr: str, module: str) -> float:
    """The cumulative import time of `module` wherever it was first imported."""
    for match in _LINE.finditer(stderr):
        if match.group(4) == module:
            return int(match.group(2)) / 1e6
    return 0.0


def section_import_costs(reps: int) -> list[list[str]]:
    """Fresh-process cost of importing each settings module alone (after pydantic and pulumi)."""
    rows = []
    for module in ("registry_platform.settings.base", "registry_platform.settings.selfhosted",
                   "registry_platform.settings.aws.section", "registry_platform.settings.gcp.section",
                   "registry_platform.settings.azure", "registry_platform.settings.harbor",
                   "registry_platform.settings.stack"):
        code = f"import pulumi, pydantic, pydantic_core, yaml, time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
        values = [float(subprocess.run([PYTHON, "-c", code], env=child_env(), capture_output=True, text=True, check=True).stdout)
                  for _ in range(reps)]
        rows.append([module, f"{median(values) * 1000:.0f}"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    print(machine())
    values = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    config = {k.split(":", 1)[1]: v for k, v in values.items() if k.startswith("registry-platform:")}
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp_name:
        tmp = Path(tmp_name)
        config_path, records, floor_records = tmp / "dev.json", tmp / "records.json", tmp / "floor-records.json"
        config_path.write_text(json.dumps(config))
        loaded = run_child("record", config_path, tmp / "out.json", records)["loaded"]
        run_child("floor-record", config_path, tmp / "out.json", records, floor_records)
        mine = {(r["type"], r["name"]): r["inputs"] for r in json.loads(records.read_text())}
        theirs = {(r["type"], r["name"]): r["inputs"] for r in json.loads(floor_records.read_text())}
        differing = sorted(f"{t} {n}" for (t, n) in set(mine) | set(theirs) if mine.get((t, n)) != theirs.get((t, n)))
        runs: dict[str, dict[str, list]] = {m: {"wall": [], "import": [], "rss": [], "rp_import": [], "settings_import": [], "selfhosted_import": []}
                                            for m in ("program", "floor")}
        for rep in range(args.reps):
            for mode in (("program", "floor") if rep % 2 == 0 else ("floor", "program")):
                extra = () if mode == "program" else (records,)
                plain = run_child(mode, config_path, tmp / "out.json", *extra)
                timed = run_child(mode, config_path, tmp / "out.json", *extra, python_args=("-X", "importtime"))
                runs[mode]["wall"].append(plain["wall"])
                runs[mode]["rss"].append(plain["maxrss_kib"] / 1024)
                runs[mode]["import"].append(import_times(timed["stderr"])["_total"])
                runs[mode]["rp_import"].append(nested_cumulative(timed["stderr"], "registry_platform"))
                runs[mode]["settings_import"].append(nested_cumulative(timed["stderr"], "registry_platform.settings"))
                runs[mode]["selfhosted_import"].append(nested_cumulative(timed["stderr"], "registry_platform.settings.selfhosted"))
    p, f = ({k: median(v) for k, v in runs[m].items()} for m in ("program", "floor"))
    print()
    print(f"Self-hosted-only dev stack, medians of {args.reps} fresh processes each, alternating.")
    print(table(["", "program", "floor", "ratio (target <= 1.2x)"], [
        ["import time s", f"{p['import']:.2f}", f"{f['import']:.2f}", f"{p['import'] / f['import']:.2f}x"],
        ["wall time s", f"{p['wall']:.2f}", f"{f['wall']:.2f}", f"{p['wall'] / f['wall']:.2f}x"],
        ["peak RSS MiB", f"{p['rss']:.0f}", f"{f['rss']:.0f}", f"{p['rss'] / f['rss']:.2f}x"],
    ]))
    print(f"\nOf the program's import time: registry_platform package {p['rp_import'] * 1000:.0f} ms, "
          f"registry_platform.settings {p['settings_import'] * 1000:.0f} ms (the package alone: the section "
          f"modules are imported by load_stack_settings, selfhosted {p['selfhosted_import'] * 1000:.0f} ms)")
    cloud = [m for m in loaded if m.startswith(("pulumi_aws", "pulumi_gcp", "pulumi_azure", "registry_platform."))]
    print(f"Loaded by the dev stack: {', '.join(loaded)}")
    print(f"Cloud SDKs / cloud settings or components loaded: {', '.join(cloud) or 'none'}")
    if differing:
        print(f"Floor inputs differ from the program's for: {differing}")
    print("\nImporting one settings module in a fresh process (pulumi, pydantic already imported), median ms:")
    print(table(["module", "ms"], section_import_costs(max(3, args.reps // 2))))


if __name__ == "__main__":
    main()
