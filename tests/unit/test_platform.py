"""RegistryPlatform: one table from config section to builder, and the stack outputs it gathers."""

from __future__ import annotations

from registry_platform.platform import REGISTRY_BUILDERS
from registry_platform.settings import StackSettings
from tests.support.harness import ROOT


def test_every_stack_section_has_a_builder_and_its_output_key_is_the_config_key():
    # pullThroughCaches is not a registry: it is mapped onto the registries (registry_platform.caches).
    assert set(REGISTRY_BUILDERS) == set(StackSettings.model_fields) - {"pull_through_caches"}
    for field_name, (key, _build) in REGISTRY_BUILDERS.items():
        assert StackSettings.model_fields[field_name].alias == key


def test_an_absent_section_declares_nothing(run_stack):
    run = run_stack({})
    assert [r.type for r in run.resources] == ["registry-platform:index:RegistryPlatform"]
    assert run.exports["registries"].value == {} and run.exports["registryCredentials"].value == {}


def test_the_stack_program_imports_the_library_like_a_user():
    main = (ROOT / "__main__.py").read_text()
    assert "from registry_platform import" in main and "components" not in main.replace("components/", "")


NOT_A_CACHE_TARGET = {"kubernetes"}
"""The Kubernetes registry caches nothing yet: a proxy-mode Deployment per upstream is future work."""


def test_every_registry_kind_has_a_cache_builder():
    from registry_platform.caches import CACHE_BUILDERS
    from registry_platform.settings.caches import TARGET_FIELDS

    registries = {key for key, _build in REGISTRY_BUILDERS.values()}
    assert set(CACHE_BUILDERS) == registries - NOT_A_CACHE_TARGET == set(TARGET_FIELDS)
    assert {REGISTRY_BUILDERS[field][0] for field in TARGET_FIELDS.values()} == set(TARGET_FIELDS)


def test_the_named_accessors_return_the_components():
    import pulumi

    from registry_platform.platform import RegistryPlatform
    from registry_platform.settings import load_stack_settings
    from tests.support.harness import run_under_mocks

    seen = {}

    def program():
        platform = RegistryPlatform("p", load_stack_settings({"selfHosted": {"users": [{"name": "ci"}]}}))
        seen.update({name: getattr(platform, name) for name in ("self_hosted", "ecr", "artifact_registry", "acr", "harbor")})
        seen["component"] = platform.components["selfHosted"]
        pulumi.export("ok", True)

    run_under_mocks(program)
    assert seen["self_hosted"] is seen["component"]
    assert seen["ecr"] is seen["artifact_registry"] is seen["acr"] is seen["harbor"] is None


def test_star_import_works_on_a_base_install_and_extras_are_named_in_the_error():
    """In a fresh interpreter where the cloud SDKs cannot be imported (a base install)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('pulumi_aws', 'pulumi_azure_native', 'pulumi_gcp'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from registry_platform import *\n"
        "import registry_platform\n"
        "assert 'EcrRegistry' not in dir() and 'SelfHostedRegistry' in dir()\n"
        "try:\n"
        "    registry_platform.EcrRegistry\n"
        "except registry_platform.MissingExtraError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "pip install 'registry-platform[aws]'" in result.stdout
