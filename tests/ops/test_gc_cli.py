"""`python -m registry_platform gc`: the container comes from the flag or the stack's outputs, and the
collection itself is `selfhosted.maintenance` (proven on a real engine in tests/engine)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from registry_platform.ops.cli import app
from registry_platform.selfhosted import maintenance


@pytest.fixture
def calls(monkeypatch):
    seen: list[list[str]] = []

    def fake_main(argv):
        seen.append(list(argv))
        return 0

    monkeypatch.setattr(maintenance, "main", fake_main)
    return seen


def test_gc_takes_the_container_name_from_the_outputs(tmp_path, calls):
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"selfHosted": {"containerName": "registry-dev"}}))
    result = CliRunner().invoke(app, ["gc", "--outputs", str(outputs), "--dry-run", "--timeout", "60"])
    assert result.exit_code == 0, result.output
    assert calls == [["gc", "--container", "registry-dev", "--timeout", "60.0", "--health-timeout", "180.0", "--dry-run"]]


def test_gc_with_an_explicit_container_and_its_exit_code(monkeypatch):
    monkeypatch.setattr(maintenance, "main", lambda argv: 1 if "--delete-untagged" in argv else 0)
    runner = CliRunner()
    assert runner.invoke(app, ["gc", "--container", "reg", "--delete-untagged"]).exit_code == 1
    assert runner.invoke(app, ["gc", "--container", "reg"]).exit_code == 0


def test_gc_refuses_ambiguous_or_missing_targets(tmp_path, calls):
    runner = CliRunner()
    assert runner.invoke(app, ["gc"]).exit_code == 2
    assert runner.invoke(app, ["gc", "--container", "a", "--stack", "dev"]).exit_code == 2
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"aws": {}}))
    result = runner.invoke(app, ["gc", "--outputs", str(outputs)])
    assert result.exit_code == 2 and "no selfHosted.containerName" in result.output
    assert calls == []
