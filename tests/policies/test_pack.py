"""The pack's shape: rule names and descriptions, levels per environment, the files the CLI reads."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from pulumi_policy import EnforcementLevel

from registry_policies import all_policies, pack_arguments
from registry_policies.levels import config_file, environment_from, raised_in_prod

from .support import POLICIES_DIR

KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def test_rules_are_kebab_case_unique_and_say_why_and_how_to_fix():
    policies = all_policies()
    names = [p.name for p in policies]
    assert len(names) == len(set(names))
    for policy in policies:
        assert KEBAB.match(policy.name), policy.name
        assert "Fix:" in policy.description and len(policy.description) > 60, policy.name


def test_prod_raises_exactly_the_advisory_rules_meant_to_be_raised():
    args = pack_arguments({"REGISTRY_POLICY_ENVIRONMENT": "prod"})
    assert set(args["initial_config"]) == set(raised_in_prod(args["policies"]))
    assert all(level == EnforcementLevel.MANDATORY for level in args["initial_config"].values())
    assert pack_arguments({})["initial_config"] is None
    advisory_everywhere = {p.name for p in all_policies() if p.prod_enforcement_level == EnforcementLevel.ADVISORY}
    assert advisory_everywhere == {"ecr-kms-encryption"}


def test_the_prod_config_file_matches_the_switch():
    written = json.loads((POLICIES_DIR / "config" / "prod.json").read_text())
    assert written == config_file(all_policies(), "prod")


def test_an_unknown_environment_is_refused():
    assert environment_from({"REGISTRY_POLICY_ENVIRONMENT": "Production"}) == "prod"
    with pytest.raises(ValueError, match="expected one of dev, prod"):
        environment_from({"REGISTRY_POLICY_ENVIRONMENT": "staging"})


def test_pack_files():
    manifest = yaml.safe_load((POLICIES_DIR / "PulumiPolicy.yaml").read_text())
    assert manifest["runtime"]["name"] == "python" and manifest["version"]
    # The description names every registry family the pack has rules for.
    families = {"ecr-": "ECR", "acr-": "ACR", "artifact-registry-": "Artifact Registry", "harbor-": "Harbor",
                "selfhosted-": "registry:2", "kubernetes-": "Kubernetes"}
    for prefix, label in families.items():
        assert any(p.name.startswith(prefix) for p in all_policies()), prefix
        assert label in manifest["description"], label
    requirements = (POLICIES_DIR / "requirements.txt").read_text()
    assert "pulumi-policy>=1.21,<2" in requirements and "registry-platform" not in requirements
    dev_requirements = (POLICIES_DIR.parent / "requirements-dev.txt").read_text()
    assert "pulumi-policy>=1.21,<2" in dev_requirements
    main = (POLICIES_DIR / "__main__.py").read_text()
    assert "PolicyPack(**pack_arguments(os.environ))" in main
