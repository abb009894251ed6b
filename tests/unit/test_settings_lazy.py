"""A stack imports and builds only the settings models of the sections it sets (issue 14, start-up cost)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from registry_platform.settings.base import nested_models
from registry_platform.settings.stack import SECTIONS, StackSettings, section_type
from tests.support.harness import ROOT
from tests.unit.test_stack_files import stack_file_config

# Modules of the cloud and other sections; `aws.formats`, `aws.lifecycle` and `gcp.formats` are shared
# with the cache settings (an `aws` cache target's lifecycle, ECR and Artifact Registry name checks).
SECTION_MODULES = ("settings.aws", "settings.gcp", "settings.azure", "settings.harbor", "settings.kubernetes")
SHARED_WITH_CACHES = {"settings.aws.formats", "settings.aws.lifecycle", "settings.gcp.formats"}


def _loaded_by(config: dict) -> list[str]:
    """The registry_platform.settings modules (and cloud SDKs) loaded by a fresh process that runs the program."""
    script = (
        "import json, sys\n"
        "from tests.support.harness import run_program\n"
        f"run_program(json.loads({json.dumps(json.dumps(config))}))\n"
        "print(json.dumps(sorted(m.removeprefix('registry_platform.') for m in sys.modules\n"
        "    if m.startswith(('registry_platform.settings', 'pulumi_aws', 'pulumi_gcp', 'pulumi_azure')))))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_self_hosted_only_stack_loads_no_other_section_model():
    config = stack_file_config(ROOT / "Pulumi.dev.yaml")
    config.pop("pullThroughCaches")
    loaded = _loaded_by(config)
    assert "settings.selfhosted" in loaded and "settings.stack" in loaded
    assert [m for m in loaded if m.startswith(SECTION_MODULES + ("settings.caches", "pulumi_"))] == []


def test_the_dev_stack_with_its_mirror_loads_only_what_the_caches_share():
    loaded = _loaded_by(stack_file_config(ROOT / "Pulumi.dev.yaml"))
    assert "settings.caches" in loaded
    others = {m for m in loaded if m.startswith(SECTION_MODULES + ("pulumi_",))}
    assert others - {"settings.aws", "settings.gcp"} == SHARED_WITH_CACHES  # the packages, not their `section`


@pytest.mark.parametrize("field", list(SECTIONS))
def test_the_section_table_matches_the_model(field):
    """`SECTIONS` (what a load imports for a key) says the same as the annotations (the schema, the reference)."""
    key = SECTIONS[field][0]
    assert StackSettings.model_fields[field].alias == key
    assert nested_models(StackSettings.model_fields[field].annotation) == nested_models(section_type(field))


def test_the_settings_a_load_returns_are_the_full_model():
    """Loaded section by section, the result is a `StackSettings` that dumps and validates like one."""
    script = (
        "import sys\n"
        "from registry_platform import StackSettings, load_stack_settings\n"
        "s = load_stack_settings({'selfHosted': {'users': [{'name': 'ci'}]}})\n"
        "assert isinstance(s, StackSettings) and s.aws is None and s.pull_through_caches == []\n"
        "assert 'registry_platform.settings.aws.section' not in sys.modules\n"
        "dumped = s.model_dump(by_alias=True)\n"
        "assert StackSettings.model_validate({'selfHosted': {'users': [{'name': 'ci'}]}}) == s\n"
        "print(sorted(dumped))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(sorted(field.alias for field in StackSettings.model_fields.values()))
