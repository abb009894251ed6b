"""Item 4 of issue 14: N parallel pushes, then N parallel pulls, against the registry as configured.

Each client pushes its own image (distinct random layers) with skopeo to the configured registry
(TLS + htpasswd, from a mock run's rendered uploads), then N clients pull them back. Every push's
digest and every pulled layout's digest must match the image's. Reports total wall time, aggregate
throughput, and the median and slowest client. Concurrency is bounded by a thread pool of N.

    PYTHONPATH=components:. python bench/concurrency.py [--clients 8,32] [--mib 8]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine, median, table  # noqa: E402
from bench.registry_common import configured_registry, pull, push, write_large_image  # noqa: E402

TAG = "1.0"


def run_round(registry, images: list[tuple[Path, str]], tmp: Path) -> dict:
    n = len(images)

    def push_one(i: int) -> float:
        digestfile = tmp / f"digest-{i}"
        elapsed = push(images[i][0], TAG, registry, f"bench/client-{i}", digestfile)
        if digestfile.read_text().strip() != images[i][1]:
            raise AssertionError(f"client {i}: pushed digest differs")
        return elapsed

    def pull_one(i: int) -> float:
        out = tmp / f"pulled-{i}"
        elapsed = pull(registry, f"bench/client-{i}", TAG, out)
        got = json.loads((out / "index.json").read_text())["manifests"][0]["digest"]
        if got != images[i][1]:
            raise AssertionError(f"client {i}: pulled digest differs")
        return elapsed

    result = {}
    with ThreadPoolExecutor(max_workers=n) as pool:
        for name, work in (("push", push_one), ("pull", pull_one)):
            started = time.perf_counter()
            times = list(pool.map(work, range(n)))  # raises the first failure
            result[name] = (time.perf_counter() - started, times)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", default="8,32")
    parser.add_argument("--mib", type=int, default=8, help="size of each client's image")
    args = parser.parse_args()
    counts = [int(c) for c in args.clients.split(",")]
    print(machine())
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-concurrency-") as tmp_name:
        tmp = Path(tmp_name)
        images = []
        for i in range(max(counts)):
            digest, size = write_large_image(tmp / f"image-{i}", TAG, args.mib, 2)
            images.append((tmp / f"image-{i}", digest))
        registry = configured_registry(tmp)
        try:
            registry.process.start()
            for n in counts:
                registry.restart_empty()
                (tmp / f"round-{n}").mkdir()
                result = run_round(registry, images[:n], tmp / f"round-{n}")
                for op, (wall, times) in result.items():
                    rows.append([n, op, f"{n}/{n}", f"{wall:.2f}", f"{n * size / 2**20 / wall:.0f}",
                                 f"{median(times):.2f}", f"{max(times):.2f}"])
        finally:
            registry.process.kill()
    print(f"\nEach client: its own {args.mib} MiB image (2 gzip layers of random data). Registry as configured.")
    print(table(["clients", "operation", "succeeded, digests match", "wall s", "aggregate MiB/s",
                 "median client s", "slowest client s"], rows))


if __name__ == "__main__":
    main()
