"""EcrRegistry and EcrRegistrySettings under mocks with the real pulumi-aws SDK; invokes mocked."""

from __future__ import annotations

import json
import subprocess
import sys

import pulumi
import pytest

from registry_platform.aws.ecr import EcrRegistry
from registry_platform.settings import EcrRegistryArgs
from tests.support.harness import ROOT, run_under_mocks
from tests.support.mocks import ACCOUNT_ID
from tests.unit.test_stack_files import stack_file_config

REPOSITORY = "aws:ecr/repository:Repository"
LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
REPO_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
KMS_KEY = "aws:kms/key:Key"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
REPLICATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"
REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"
ECR = "registry-platform:aws:EcrRegistry"
ECR_SETTINGS = "registry-platform:aws:EcrRegistrySettings"
ECR_REPOSITORY = "registry-platform:aws:EcrRepository"
TOKEN = "aws:ecr/getAuthorizationToken:getAuthorizationToken"
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/12345678-1234-1234-1234-123456789012"


def aws(**section):
    return {"aws": section}


def test_minimal_repository_has_secure_defaults_and_nothing_else(run_stack):
    run = run_stack(aws(repositories=[{"name": "team/api"}]))
    repository = run.one(REPOSITORY)
    assert repository.name == "aws-team/api"
    assert repository.inputs["name"] == "team/api"
    assert repository.inputs["imageTagMutability"] == "IMMUTABLE"
    assert repository.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repository.inputs["encryptionConfigurations"] == [{"encryptionType": "AES256"}]
    assert repository.inputs["forceDelete"] is False
    assert repository.inputs["tags"] == {"managed-by": "registry-platform"}
    assert "imageTagMutabilityExclusionFilters" not in repository.inputs
    assert not run.of_type(LIFECYCLE) and not run.of_type(REPO_POLICY) and not run.of_type(KMS_KEY)
    assert not run.of_type(ECR_SETTINGS)
    component = run.parent_of(repository)
    assert component.type == ECR_REPOSITORY and component.name == "aws-team/api"
    assert run.parent_of(component).type == ECR
    assert run.parent_of(run.one(ECR)).type == "registry-platform:index:RegistryPlatform"


def test_repository_settings_reach_the_resources(run_stack):
    run = run_stack(aws(
        region="eu-west-1",
        tags={"team": "platform"},
        repositories=[{
            "name": "team/api",
            "tagMutability": "MUTABLE",
            "tagMutabilityExclusions": ["v*", "release-*"],
            "scanOnPush": False,
            "forceDelete": True,
            "tags": {"service": "api", "team": "api-team", "managed-by": "someone-else"},
            "lifecycle": {"keepLast": [{"tagPrefixes": ["v"], "count": 10}], "untaggedExpireDays": 3},
            "access": {"pull": ["210987654321"]},
        }],
    ))
    inputs = run.one(REPOSITORY).inputs
    assert inputs["imageTagMutability"] == "MUTABLE_WITH_EXCLUSION"
    assert inputs["imageTagMutabilityExclusionFilters"] == [
        {"filter": "v*", "filterType": "WILDCARD"}, {"filter": "release-*", "filterType": "WILDCARD"}]
    assert inputs["imageScanningConfiguration"] == {"scanOnPush": False}
    assert inputs["forceDelete"] is True
    assert inputs["region"] == "eu-west-1"
    assert inputs["tags"] == {"managed-by": "registry-platform", "team": "api-team", "service": "api"}
    assert run.exports["aws"].value["kmsKeyArn"] is None

    lifecycle = run.one(LIFECYCLE)
    assert lifecycle.inputs["repository"] == "team/api" and lifecycle.inputs["region"] == "eu-west-1"
    rules = json.loads(lifecycle.inputs["policy"])["rules"]
    assert [(r["rulePriority"], r["selection"]["tagStatus"]) for r in rules] == [(1, "tagged"), (2, "untagged")]
    assert run.parent_of(lifecycle).type == ECR_REPOSITORY

    policy = run.one(REPO_POLICY)
    assert policy.inputs["repository"] == "team/api"
    statement = json.loads(policy.inputs["policy"])["Statement"][0]
    assert statement["Principal"] == {"AWS": ["arn:aws:iam::210987654321:root"]}
    assert "ecr:GetAuthorizationToken" not in policy.inputs["policy"]


def test_kms_with_a_created_key_has_rotation_on_and_one_key_serves_all(run_stack):
    run = run_stack(aws(region="eu-west-1", repositories=[
        {"name": "aa", "encryption": {"type": "KMS"}},
        {"name": "bb", "encryption": {"type": "KMS"}},
        {"name": "cc", "encryption": {"type": "KMS", "kmsKeyArn": KEY_ARN}},
        {"name": "dd"},
    ]))
    key = run.one(KMS_KEY)
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] == 30
    assert key.inputs["region"] == "eu-west-1"
    encryption = {r.inputs["name"]: r.inputs["encryptionConfigurations"] for r in run.of_type(REPOSITORY)}
    assert encryption["aa"] == encryption["bb"] == [{"encryptionType": "KMS", "kmsKey": key.outputs["arn"]}]
    assert encryption["cc"] == [{"encryptionType": "KMS", "kmsKey": KEY_ARN}]
    assert encryption["dd"] == [{"encryptionType": "AES256"}]
    assert run.exports["aws"].value["kmsKeyArn"] == key.outputs["arn"]


def test_aws_managed_key_creates_no_key(run_stack):
    run = run_stack(aws(repositories=[{"name": "aa", "encryption": {"type": "KMS", "awsManagedKey": True}}]))
    assert not run.of_type(KMS_KEY)
    assert run.one(REPOSITORY).inputs["encryptionConfigurations"] == [{"encryptionType": "KMS"}]


def test_given_kms_key_creates_no_key(run_stack):
    run = run_stack(aws(repositories=[{"name": "aa", "encryption": {"type": "KMS", "kmsKeyArn": KEY_ARN}}]))
    assert not run.of_type(KMS_KEY)
    assert run.exports["aws"].value["kmsKeyArn"] is None


def test_outputs_share_the_registry_shape_and_carry_no_deployer_token(run_stack):
    run = run_stack(aws(region="eu-west-1", repositories=[{"name": "team/api"}, {"name": "team/worker"}]))
    login_server = f"{ACCOUNT_ID}.dkr.ecr.eu-west-1.amazonaws.com"
    public = run.exports["registries"].value["aws"]
    assert public == {
        "kind": "ecr",
        "endpoint": f"https://{login_server}",
        "loginServer": login_server,
        "username": "AWS",
        "caCertificatePem": None,
        "passwordExpiresAt": None,
        "loginCommand": f"aws ecr get-login-password --region eu-west-1 | docker login --username AWS --password-stdin {login_server}",
        "credentialHelper": "ecr-login",
        "identities": [],
    }
    assert not run.exports["registries"].secret
    credentials = run.exports["registryCredentials"]
    assert credentials.secret
    assert credentials.value["aws"]["password"] is None
    # No token of whoever runs `pulumi up` is fetched at all.
    assert not [token for token, _ in run.mocks.call_log if token == TOKEN]
    config = json.loads(credentials.value["aws"]["dockerConfigJson"])
    assert config == {"auths": {}, "credHelpers": {login_server: "ecr-login"}}

    details = run.exports["aws"].value
    assert details["registryId"] == ACCOUNT_ID and details["loginServer"] == login_server
    assert details["repositories"]["team/api"] == {
        "url": f"{login_server}/team/api",
        "arn": f"arn:aws:ecr:eu-west-1:{ACCOUNT_ID}:repository/team/api",
    }
    assert set(details["repositories"]) == {"team/api", "team/worker"}


def test_partition_comes_from_the_provider(run_stack):
    gov = {"aws:index/getPartition:getPartition": lambda args: {
        "partition": "aws-us-gov", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws", "id": "aws-us-gov"}}
    run = run_stack(aws(region="us-gov-west-1", repositories=[{"name": "aa", "access": {"pull": ["210987654321"]}}],
                        registrySettings={"policy": {"allowReplicationFrom": ["210987654321"]}}), calls=gov)
    repo_policy = json.loads(run.one(REPO_POLICY).inputs["policy"])
    assert repo_policy["Statement"][0]["Principal"] == {"AWS": ["arn:aws-us-gov:iam::210987654321:root"]}
    registry_policy = json.loads(run.one(REGISTRY_POLICY).inputs["policy"])
    assert registry_policy["Statement"][0]["Resource"] == f"arn:aws-us-gov:ecr:us-gov-west-1:{ACCOUNT_ID}:repository/*"
    assert run.exports["registries"].value["aws"]["loginServer"] == f"{ACCOUNT_ID}.dkr.ecr.us-gov-west-1.amazonaws.com"


def test_registry_settings_as_a_library_with_their_own_region():
    from registry_platform.aws.ecr import EcrRegistrySettings

    def program():
        EcrRegistrySettings("acct", {"region": "ap-south-1", "scanning": {}})

    run = run_under_mocks(program, stack="lib")
    scanning = run.one(SCANNING).inputs
    assert scanning["region"] == "ap-south-1" and scanning["scanType"] == "BASIC"
    assert scanning["rules"] == [{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}]


def test_ecr_and_self_hosted_side_by_side_share_one_docker_config(run_stack):
    run = run_stack({"selfHosted": {"users": [{"name": "ci"}]}, "aws": {"repositories": [{"name": "aa"}]}})
    merged = json.loads(run.exports["dockerConfigJson"].value)
    assert set(merged["auths"]) == {"localhost:5000"}
    assert merged["credHelpers"] == {f"{ACCOUNT_ID}.dkr.ecr.us-east-1.amazonaws.com": "ecr-login"}
    public = run.exports["registries"].value
    assert set(public["aws"]) == set(public["selfHosted"])
    assert set(run.exports["registryCredentials"].value["aws"]) == set(run.exports["registryCredentials"].value["selfHosted"])


def test_account_wide_settings(run_stack):
    run = run_stack(aws(region="eu-west-1", registrySettings={
        "scanning": {"type": "ENHANCED", "rules": [
            {"frequency": "CONTINUOUS_SCAN", "filters": ["prod/*"]}, {"frequency": "SCAN_ON_PUSH"}]},
        "replication": {"rules": [
            {"destinations": [{"region": "us-east-1"}, {"region": "eu-west-1", "registryId": "210987654321"}],
             "repositoryPrefixes": ["prod/"]},
            {"destinations": [{"region": "ap-south-1"}]},
        ]},
        "policy": {"allowReplicationFrom": ["210987654321"],
                   "statements": [{"Sid": "Extra", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                                   "Action": ["ecr:BatchImportUpstreamImage"], "Resource": "*"}]},
    }))
    owner = run.one(ECR_SETTINGS)
    assert run.parent_of(owner).type == "registry-platform:index:RegistryPlatform"
    scanning = run.one(SCANNING)
    assert run.parent_of(scanning) is owner
    assert scanning.inputs["scanType"] == "ENHANCED" and scanning.inputs["region"] == "eu-west-1"
    assert scanning.inputs["rules"] == [
        {"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [{"filter": "prod/*", "filterType": "WILDCARD"}]},
        {"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]},
    ]
    rules = run.one(REPLICATION).inputs["replicationConfiguration"]["rules"]
    assert rules[0] == {
        "destinations": [{"region": "us-east-1", "registryId": ACCOUNT_ID},
                         {"region": "eu-west-1", "registryId": "210987654321"}],
        "repositoryFilters": [{"filter": "prod/", "filterType": "PREFIX_MATCH"}],
    }
    assert rules[1] == {"destinations": [{"region": "ap-south-1", "registryId": ACCOUNT_ID}]}
    policy = json.loads(run.one(REGISTRY_POLICY).inputs["policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["ReplicationAccess", "Extra"]
    assert policy["Statement"][0]["Resource"] == f"arn:aws:ecr:eu-west-1:{ACCOUNT_ID}:repository/*"


def test_registry_policy_region_comes_from_the_provider_when_not_configured(run_stack):
    run = run_stack(aws(registrySettings={"policy": {"allowReplicationFrom": ["210987654321"]}}))
    policy = json.loads(run.one(REGISTRY_POLICY).inputs["policy"])
    assert policy["Statement"][0]["Resource"] == f"arn:aws:ecr:us-east-1:{ACCOUNT_ID}:repository/*"
    assert "region" not in run.one(REGISTRY_POLICY).inputs
    assert any(token == "aws:index/getRegion:getRegion" for token, _ in run.mocks.call_log)


def test_empty_account_settings_declare_no_singletons(run_stack):
    run = run_stack(aws(registrySettings={"policy": {}}))
    assert run.of_type(ECR_SETTINGS)
    assert not run.of_type(SCANNING) and not run.of_type(REPLICATION) and not run.of_type(REGISTRY_POLICY)


def test_invalid_aws_config_registers_nothing(run_stack):
    run = run_stack(aws(repositories=[{"name": "Bad"}], region="nowhere"), expect_error=True)
    assert "aws.repositories[0].name" in str(run.error) and "aws.region" in str(run.error)
    assert run.resources == []


def test_second_run_changes_no_resource_input(run_stack, stack_state):
    config = stack_file_config(ROOT / "Pulumi.prod.yaml")
    first = run_stack(config, state=stack_state)
    second = run_stack(config, state=stack_state)
    key = lambda r: (r.type, r.name)  # noqa: E731
    assert [(r.type, r.name, r.inputs) for r in sorted(first.resources, key=key)] == [
        (r.type, r.name, r.inputs) for r in sorted(second.resources, key=key)]


def test_prod_example_stack_runs(run_stack):
    run = run_stack(stack_file_config(ROOT / "Pulumi.prod.yaml"))
    names = {r.inputs["name"] for r in run.of_type(REPOSITORY)}
    assert names == {"platform/api", "platform/worker", "platform/base-images"}
    assert len(run.of_type(LIFECYCLE)) == 3 and len(run.of_type(REPO_POLICY)) == 2
    assert run.one(KMS_KEY).inputs["enableKeyRotation"] is True
    assert run.one(SCANNING) and run.one(REPLICATION) and run.one(REGISTRY_POLICY)
    for policy in run.of_type(LIFECYCLE):
        priorities = [r["rulePriority"] for r in json.loads(policy.inputs["policy"])["rules"]]
        assert priorities == list(range(1, len(priorities) + 1))
    for policy in run.of_type(REPO_POLICY) + run.of_type(REGISTRY_POLICY):
        assert "GetAuthorizationToken" not in policy.inputs["policy"]


def test_component_as_a_library_with_an_output_key():
    def program():
        key = pulumi.Output.from_input(KEY_ARN)
        registry = EcrRegistry("lib", EcrRegistryArgs(region="eu-west-1", repositories=[
            {"name": "aa", "encryption": {"type": "KMS", "kmsKeyArn": key}}]))
        pulumi.export("password", registry.access.password)
        pulumi.export("url", registry.repositories["aa"].url)

    run = run_under_mocks(program, stack="lib")
    assert run.one(REPOSITORY).inputs["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": KEY_ARN}]
    assert run.exports["password"].secret
    assert run.exports["url"].value == f"{ACCOUNT_ID}.dkr.ecr.eu-west-1.amazonaws.com/aa"


@pytest.mark.parametrize(("section", "imported"), [("selfHosted", False), ("aws", True)])
def test_cloud_sdks_are_imported_only_when_used(section, imported):
    """A stack with only the self-hosted registry never imports pulumi_aws."""
    config = {"selfHosted": {"users": [{"name": "ci"}]}} if section == "selfHosted" else {"aws": {"repositories": [{"name": "aa"}]}}
    script = (
        "import json, sys\n"
        "from tests.support.harness import run_program\n"
        f"run_program(json.loads({json.dumps(json.dumps(config))}))\n"
        "print('pulumi_aws' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(imported)
