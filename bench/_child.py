"""One measured run in a fresh interpreter: `python bench/_child.py MODE CONFIG.json [RECORDS.json] OUT.json`.

MODE: `program` runs `__main__.py` under the minimal mocks; `record` does the same and writes every
registration to RECORDS.json; `floor` registers RECORDS.json through the SDK classes; `floor-record`
does that and writes what the floor registered (to check it matches). OUT.json gets wall time (from
interpreter start), peak RSS, registrations, and which optional modules got loaded.
"""

import time

START = time.perf_counter()

import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _mockrun  # noqa: E402  (imports pulumi)

WATCHED = [
    "pulumi_aws", "pulumi_gcp", "pulumi_azure_native", "pulumi_docker", "pulumi_tls", "pulumi_random",
    # The section models (settings.aws and settings.gcp are light packages: the caches use their formats).
    "registry_platform.settings.aws.section", "registry_platform.settings.gcp.section", "registry_platform.settings.azure",
    "registry_platform.settings.harbor", "registry_platform.settings.kubernetes",
    "registry_platform.aws", "registry_platform.gcp", "registry_platform.azure",
]


def main() -> None:
    mode, config_path, *rest = sys.argv[1:]
    out = Path(rest[-1])
    config = json.loads(Path(config_path).read_text())
    _mockrun.set_config(config)
    if mode in ("program", "record"):
        monitor, _ = _mockrun.run(_mockrun.stack_program, monitor_factory=_mockrun.RecordingMonitor if mode == "record" else None)
        info = {}
    else:
        import os
        import runpy

        os.environ["BENCH_FLOOR_RECORDS"] = rest[0]
        floor_main = str(Path(__file__).with_name("_floor_main.py"))
        monitor, _ = _mockrun.run(
            lambda: runpy.run_path(floor_main, run_name="__main__"),
            monitor_factory=_mockrun.RecordingMonitor if mode == "floor-record" else None,
        )
        info = {}
    wall = time.perf_counter() - START
    if monitor is not None:
        Path(rest[0] if mode == "record" else rest[-2]).write_text(json.dumps(monitor.records))
    out.write_text(json.dumps({
        "wall": wall,
        "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "cpu": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]),
        "loaded": [name for name in WATCHED if name in sys.modules],
        **info,
    }))


main()
