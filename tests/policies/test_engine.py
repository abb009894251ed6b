"""The whole pack through the analyzer protocol, on resources recorded while running our stack program.

The pack runs as the subprocess the CLI starts (`python __main__.py` in policies/), and receives
Configure, Analyze (each registered resource's inputs) and AnalyzeStack (outputs, with the root stack
resource carrying the stack outputs), as the engine sends them.
"""

from __future__ import annotations

import runpy

import pulumi
import pytest

from registry_policies import all_policies
from registry_policies.levels import raised_in_prod
from tests.support.harness import MAIN, run_program, run_under_mocks

from .support import PackProcess, environment_of, keys, mandatory, pretty, stack_files, stack_secret_keys


@pytest.fixture(scope="module")
def packs():
    started = {env: PackProcess(env) for env in ("dev", "prod")}
    yield started
    for pack in started.values():
        pack.close()


def test_the_pack_describes_every_rule_with_its_levels(packs):
    dev, prod = packs["dev"].info, packs["prod"].info
    assert dev.name == "registry-platform"
    assert {p.name for p in dev.policies} == {p.name for p in all_policies()}
    assert dict(dev.initialConfig) == {}
    assert set(prod.initialConfig) == set(raised_in_prod(all_policies()))
    levels = packs["prod"].configure()
    assert {name for name, entry in levels.items() if entry["level"] == "advisory"} == {"ecr-kms-encryption"}


# What a team would put in its policy config for our example stacks: Defender for Containers is a
# subscription-wide setting, enabled outside the registry's stack, so the staging ACR is exempted by
# name; registry:2 cannot scan, so a self-hosted registry in prod is exempted (images scanned in CI).
STACK_POLICY_CONFIG = {
    "staging": {"registry-scanning-coverage": {"exemptions": ["acmestaging01"]}},
    "selfhosted-ha": {"registry-scanning-coverage": {"exemptions": ["registry-platform-selfhosted-ha-self-hosted"]}},
    # The Harbor example shows the explicit escape hatches (a public sandbox, a robot that never expires).
    "harbor": {"harbor-project-private": {"exemptions": ["sandbox"]},
               "harbor-robot-expires": {"exemptions": ["harbor-sandbox-robot-ci"]}},
}


@pytest.mark.parametrize("stack", sorted(stack_files()))
def test_our_stack_files_have_no_mandatory_violation(packs, stack):
    run = run_program(stack_files()[stack], stack=stack, secret_keys=stack_secret_keys(stack))
    violations = packs[environment_of(stack)].analyze_run(run, stack=stack, user_config=STACK_POLICY_CONFIG.get(stack))
    assert mandatory(violations) == [], pretty(violations)


def test_dev_stack_advisories(packs):
    run = run_program(stack_files()["dev"], stack="dev")
    violations = packs["dev"].analyze_run(run, stack="dev")
    # registry:2 cannot scan (the Docker Hub mirror neither): advisory in dev, and exemptable by name.
    assert keys(violations) == {
        ("registry-scanning-coverage", "self-hosted-container", "advisory"),
        ("registry-scanning-coverage", "mirror-docker-hub-container", "advisory"),
    }
    exempt = {"registry-scanning-coverage": {"exemptions": ["registry-dev", "registry-platform-dev-mirror-docker-hub"]}}
    assert packs["dev"].analyze_run(run, stack="dev", user_config=exempt) == []


def test_prod_stack_advisories_are_the_aes256_repositories(packs):
    run = run_program(stack_files()["prod"], stack="prod")
    violations = packs["prod"].analyze_run(run, stack="prod")
    assert keys(violations) == {
        ("ecr-kms-encryption", "aws-platform/api", "advisory"),
        ("ecr-kms-encryption", "aws-platform/base-images", "advisory"),
    }, pretty(violations)


INSECURE = {
    "selfHosted": {"name": "registry-open", "tls": {"mode": "disabled"}, "auth": "none", "bindAddress": "0.0.0.0"},
    "aws": {"region": "eu-west-1", "repositories": [{"name": "team/app", "tagMutability": "MUTABLE"}]},
}


def _insecure_program():
    """Our stack program with an insecure config, plus what the settings refuse or we do not wrap yet, raw."""
    import pulumi_azure_native as azure_native
    import pulumi_docker as docker
    import pulumi_gcp as gcp

    runpy.run_path(str(MAIN), run_name="__main__")
    docker.RemoteImage("latest-registry", name="registry:latest")
    azure_native.containerregistry.Registry(
        "public-acr",
        registry_name="acmepublic",
        resource_group_name="rg",
        sku=azure_native.containerregistry.SkuArgs(name="Premium"),
        admin_user_enabled=True,
        anonymous_pull_enabled=True,
        public_network_access="Enabled",
    )
    repository = gcp.artifactregistry.Repository(
        "public-gar",
        repository_id="public-images",
        location="europe-west1",
        format="DOCKER",
        docker_config=gcp.artifactregistry.RepositoryDockerConfigArgs(immutable_tags=True),
        cleanup_policies=[
            gcp.artifactregistry.RepositoryCleanupPolicyArgs(
                id="untagged",
                action="DELETE",
                condition=gcp.artifactregistry.RepositoryCleanupPolicyConditionArgs(tag_state="UNTAGGED", older_than="604800s"),
            )
        ],
    )
    gcp.artifactregistry.RepositoryIamMember(
        "public-gar-readers",
        repository=repository.repository_id,
        location="europe-west1",
        role="roles/artifactregistry.reader",
        member="allUsers",
    )


def test_an_insecure_config_gives_exactly_the_expected_violations(packs):
    run = run_under_mocks(_insecure_program, config=INSECURE, stack="dev")
    violations = packs["dev"].analyze_run(run, stack="dev")
    assert keys(violations) == {
        ("selfhosted-registry-tls", "self-hosted-container", "mandatory"),
        ("selfhosted-registry-auth", "self-hosted-container", "mandatory"),
        ("selfhosted-registry-port-binding", "self-hosted-container", "mandatory"),
        ("docker-image-pinned", "latest-registry", "mandatory"),
        ("ecr-immutable-tags", "aws-team/app", "mandatory"),
        ("ecr-kms-encryption", "aws-team/app", "advisory"),
        ("ecr-lifecycle-policy", "aws-team/app", "advisory"),
        ("acr-admin-user-disabled", "public-acr", "mandatory"),
        ("acr-anonymous-pull-disabled", "public-acr", "mandatory"),
        ("acr-public-network-restricted", "public-acr", "advisory"),
        ("acr-retention-on-premium", "public-acr", "advisory"),
        ("artifact-registry-no-public-members", "public-gar-readers", "mandatory"),
        ("registry-scanning-coverage", "self-hosted-container", "advisory"),
        ("registry-scanning-coverage", "public-acr", "advisory"),
        ("registry-scanning-coverage", "public-gar", "advisory"),
    }, pretty(violations)
    # The prod switch raises the advisory ones (except KMS, advisory by design) to mandatory.
    prod = packs["prod"].analyze_run(run, stack="dev")
    assert {v.policy for v in prod if v.level == "advisory"} == {"ecr-kms-encryption"}
    assert keys(prod) - keys(violations) == {
        (p, r, "mandatory") for p, r, level in keys(violations) if level == "advisory" and p != "ecr-kms-encryption"
    }


def _raw_team_program():
    """A team's own ECR repository and a deployer token export, without our components."""
    import pulumi_aws as aws

    aws.ecr.Repository("team-repo", name="team/raw")
    token = aws.ecr.get_authorization_token_output()
    pulumi.export("ecrPassword", pulumi.Output.secret(token.password))
    pulumi.export("ecrToken", token.authorization_token)


def test_raw_resources_without_our_components_are_caught(packs):
    run = run_under_mocks(_raw_team_program, stack="team")
    violations = packs["dev"].analyze_run(run, stack="team")
    assert keys(violations) == {
        ("ecr-scan-on-push", "team-repo", "mandatory"),
        ("ecr-immutable-tags", "team-repo", "mandatory"),
        ("ecr-kms-encryption", "team-repo", "advisory"),
        ("ecr-lifecycle-policy", "team-repo", "advisory"),
        ("registry-scanning-coverage", "team-repo", "advisory"),
        ("no-deployer-token-in-outputs", "", "mandatory"),
    }, pretty(violations)
    assert len([v for v in violations if v.policy == "no-deployer-token-in-outputs"]) == 1


def test_a_user_config_file_overrides_a_rule_level(packs):
    run = run_under_mocks(_raw_team_program, stack="team")
    relaxed = {"ecr-immutable-tags": "advisory", "ecr-scan-on-push": {"registryScanning": True}, "no-deployer-token-in-outputs": "disabled"}
    violations = packs["prod"].analyze_run(run, stack="team", user_config=relaxed)
    assert ("ecr-immutable-tags", "team-repo", "advisory") in keys(violations)
    assert not {v.policy for v in violations} & {"ecr-scan-on-push", "no-deployer-token-in-outputs"}
