"""Item 3 of issue 14: the registry's data path, as the component configures it, against its floors.

  configured  Debian's docker-registry (Distribution 2.8.2) with the config.yml, certificate, key and
              htpasswd the component uploads into its container (a mock run with real keys,
              `materialise`): TLS + bcrypt htpasswd + the in-memory blob-descriptor cache
  minimal     the same binary, plain HTTP, no auth, filesystem storage only
  disk copy   copying the same bytes on this disk (the floor of any push or pull here)
  mirror      a proxy-mode registry in front of the minimal one: first pull (miss), second (hit)

Push and pull use skopeo (OCI layout <-> registry). Each push goes to an emptied, restarted
registry; each pull writes a fresh OCI layout. Medians of --reps runs, the registries alternating.

    PYTHONPATH=components:. python bench/data_path.py [--mib 256] [--layers 4] [--reps 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine, median, table  # noqa: E402
from bench.registry_common import (  # noqa: E402
    configured_registry, copy_floor, minimal_registry, mirror_registry, pull, push, write_large_image,
)

TAG = "1.0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory(prefix="bench-data-") as tmp_name:
        tmp = Path(tmp_name)
        digest, size = write_large_image(tmp / "image", TAG, args.mib, args.layers)
        mib = size / 2**20
        configured, minimal = configured_registry(tmp), minimal_registry(tmp)
        mirror = None
        times: dict[str, list[float]] = {k: [] for k in (
            "configured push", "configured pull", "minimal push", "minimal pull", "disk copy",
            "mirror miss", "mirror hit", "direct pull (mirror's upstream)")}
        started = []
        try:
            for registry in (configured, minimal):
                registry.process.start()
                started.append(registry)
            for rep in range(args.reps):
                order = (configured, minimal) if rep % 2 == 0 else (minimal, configured)
                for registry in order:
                    registry.restart_empty()
                    digestfile = tmp / "digest"
                    times[f"{registry.name} push"].append(push(tmp / "image", TAG, registry, "bench/big", digestfile))
                    assert digestfile.read_text().strip() == digest, "pushed digest differs"
                    times[f"{registry.name} pull"].append(pull(registry, "bench/big", TAG, tmp / "pulled"))
                times["disk copy"].append(copy_floor(tmp / "image", tmp / "copied"))
            # The mirror: a fresh proxy per rep in front of the minimal registry (which holds the image).
            for rep in range(args.reps):
                if mirror is not None:
                    mirror.process.kill()
                mirror = mirror_registry(tmp / f"mirror-{rep}", minimal)
                mirror.process.start()
                times["mirror miss"].append(pull(mirror, "bench/big", TAG, tmp / "pulled"))
                times["mirror hit"].append(pull(mirror, "bench/big", TAG, tmp / "pulled"))
                times["direct pull (mirror's upstream)"].append(pull(minimal, "bench/big", TAG, tmp / "pulled"))
        finally:
            for registry in [*started, *([mirror] if mirror else [])]:
                registry.process.kill()
    m = {k: median(v) for k, v in times.items()}
    rows = [[k, f"{m[k]:.2f}", f"{mib / m[k]:.0f}", " ".join(f"{t:.2f}" for t in times[k])] for k in times]
    print(f"\nImage: {mib:.0f} MiB in {args.layers} gzip layers of random data; medians of {args.reps}.")
    print(table(["operation", "median s", "MiB/s", "runs s"], rows))
    print()
    print(table(["ratio", "value", "target"], [
        ["configured push throughput / minimal", f"{m['minimal push'] / m['configured push']:.2f}x", ">= 0.9x"],
        ["configured pull throughput / minimal", f"{m['minimal pull'] / m['configured pull']:.2f}x", ">= 0.9x"],
        ["configured push / disk copy throughput", f"{m['disk copy'] / m['configured push']:.2f}x", "(floor)"],
        ["configured pull / disk copy throughput", f"{m['disk copy'] / m['configured pull']:.2f}x", "(floor)"],
        ["mirror hit time / direct pull", f"{m['mirror hit'] / m['direct pull (mirror' + chr(39) + 's upstream)']:.2f}x", "<= 1.1x"],
        ["mirror miss time / direct pull", f"{m['mirror miss'] / m['direct pull (mirror' + chr(39) + 's upstream)']:.2f}x", "(report)"],
    ]))


if __name__ == "__main__":
    main()
