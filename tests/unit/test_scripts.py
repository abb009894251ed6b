"""The README's two commands: scripts/dev-up drives pulumi with a local backend; CI requires integration."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support.harness import ROOT


def fake_tool(bin_dir: Path, name: str, log: Path) -> None:
    script = bin_dir / name
    script.write_text(
        f'#!/usr/bin/env bash\necho "{name} $* | backend=$PULUMI_BACKEND_URL passphrase=${{PULUMI_CONFIG_PASSPHRASE-unset}}" >> {log}\n'
    )
    script.chmod(0o755)


def test_dev_up_uses_the_local_backend_and_the_dev_stack(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    for tool in ("pulumi", "docker"):
        fake_tool(bin_dir, tool, log)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    env["PULUMI_BACKEND_URL"] = f"file://{tmp_path}/state"
    result = subprocess.run([str(ROOT / "scripts" / "dev-up"), "--yes"], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    calls = log.read_text().splitlines()
    assert [c.split(" | ")[0] for c in calls] == [
        "pulumi install",
        "pulumi stack select dev --create",
        "pulumi up --stack dev --yes",
    ]
    assert all(f"backend=file://{tmp_path}/state passphrase=" in c for c in calls)
    assert "passphrase=unset" not in log.read_text()
    assert (tmp_path / "state").is_dir()


def test_dev_up_says_what_is_missing(tmp_path):
    env = {"PATH": "/usr/bin:/bin"}
    result = subprocess.run([str(ROOT / "scripts" / "dev-up")], env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "'pulumi' is not installed" in result.stderr


def test_ci_requires_the_integration_tests():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "apt-get install" in ci and "docker-registry" in ci and "skopeo" in ci
    assert "REGISTRY_PLATFORM_REQUIRE_INTEGRATION=1" in ci
    assert "./scripts/test" in ci
    readme = (ROOT / "README.md").read_text()
    assert "./scripts/test" in readme and "./scripts/dev-up" in readme


def test_readme_config_reference_is_generated_from_the_models():
    from registry_platform.settings.reference import END, START, render_reference

    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index(START): readme.index(END) + len(END)] + "\n"
    assert section == render_reference(), "run: python -m registry_platform.settings.reference, paste into README.md"
