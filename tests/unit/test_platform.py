"""RegistryPlatform: one table from config section to builder, and the stack outputs it gathers."""

from __future__ import annotations

from registry_platform.platform import REGISTRY_BUILDERS
from registry_platform.settings import StackSettings
from tests.support.harness import ROOT


def test_every_stack_section_has_a_builder_and_its_output_key_is_the_config_key():
    assert set(REGISTRY_BUILDERS) == set(StackSettings.model_fields)
    for field_name, (key, _build) in REGISTRY_BUILDERS.items():
        assert StackSettings.model_fields[field_name].alias == key


def test_an_absent_section_declares_nothing(run_stack):
    run = run_stack({})
    assert [r.type for r in run.resources] == ["registry-platform:index:RegistryPlatform"]
    assert run.exports["registries"].value == {} and run.exports["registryCredentials"].value == {}


def test_the_stack_program_imports_the_library_like_a_user():
    main = (ROOT / "__main__.py").read_text()
    assert "from registry_platform import" in main and "components" not in main.replace("components/", "")
