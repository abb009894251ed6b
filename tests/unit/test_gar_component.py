"""ArtifactRegistry and ArtifactRepository under mocks with the real pulumi-gcp SDK classes."""

from __future__ import annotations

import json
import subprocess
import sys

import pulumi
import pytest

from registry_platform import ArtifactRepository
from registry_platform.gcp.documents import member_key
from tests.support.harness import ROOT, run_under_mocks
from tests.support.mocks import GCP_PROJECT

REPOSITORY = "gcp:artifactregistry/repository:Repository"
IAM_MEMBER = "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember"
IAM_BINDING = "gcp:artifactregistry/repositoryIamBinding:RepositoryIamBinding"
SERVICE = "gcp:projects/service:Service"
REGISTRY = "registry-platform:gcp:ArtifactRegistry"
ARTIFACT_REPOSITORY = "registry-platform:gcp:ArtifactRepository"
KEY = "projects/acme-sec/locations/europe-west1/keyRings/r/cryptoKeys/k"


def gcp(**section):
    return {"gcp": {"location": "europe-west1", "project": "acme-prod", **section}}


def test_minimal_repository_has_secure_defaults_and_nothing_else(run_stack):
    run = run_stack(gcp(repositories=[{"repositoryId": "images"}]))
    repository = run.one(REPOSITORY)
    assert repository.name == "gcp-images"
    inputs = repository.inputs
    assert inputs["repositoryId"] == "images" and inputs["format"] == "DOCKER"
    assert inputs["mode"] == "STANDARD_REPOSITORY"
    assert inputs["location"] == "europe-west1" and inputs["project"] == "acme-prod"
    assert inputs["dockerConfig"] == {"immutableTags": True}
    assert inputs["vulnerabilityScanningConfig"] == {"enablementConfig": "INHERITED"}
    assert inputs["labels"] == {"managed-by": "registry-platform"}
    for absent in ("cleanupPolicies", "cleanupPolicyDryRun", "kmsKeyName", "virtualRepositoryConfig", "remoteRepositoryConfig"):
        assert absent not in inputs, absent
    assert not run.of_type(IAM_MEMBER) and not run.of_type(IAM_BINDING) and not run.of_type(SERVICE)
    component = run.parent_of(repository)
    assert component.type == ARTIFACT_REPOSITORY and component.name == "gcp-images"
    assert run.parent_of(component).type == REGISTRY
    assert run.parent_of(run.one(REGISTRY)).type == "registry-platform:index:RegistryPlatform"


def test_repository_settings_reach_the_resource(run_stack):
    run = run_stack(gcp(labels={"team": "platform", "env": "prod"}, repositories=[{
        "repositoryId": "images",
        "description": "Release images",
        "labels": {"env": "staging", "managed-by": "someone-else"},
        "immutableTags": False,
        "vulnerabilityScanning": False,
        "kmsKeyName": KEY,
        "cleanup": {"dryRun": False, "deleteUntaggedOlderThanDays": 7, "keepMostRecent": [{"count": 10}]},
    }]))
    inputs = run.one(REPOSITORY).inputs
    assert inputs["description"] == "Release images"
    assert inputs["labels"] == {"team": "platform", "env": "staging", "managed-by": "registry-platform"}
    assert inputs["dockerConfig"] == {"immutableTags": False}
    assert inputs["vulnerabilityScanningConfig"] == {"enablementConfig": "DISABLED"}
    assert inputs["kmsKeyName"] == KEY
    assert inputs["cleanupPolicyDryRun"] is False
    assert inputs["cleanupPolicies"] == [
        {"id": "delete-untagged", "action": "DELETE", "condition": {"tagState": "UNTAGGED", "olderThan": "604800s"}},
        {"id": "keep-most-recent", "action": "KEEP", "mostRecentVersions": {"keepCount": 10}},
    ]


def test_cleanup_is_a_dry_run_unless_turned_off(run_stack):
    run = run_stack(gcp(repositories=[{"repositoryId": "images", "cleanup": {"deleteUntaggedOlderThanDays": 3}}]))
    assert run.one(REPOSITORY).inputs["cleanupPolicyDryRun"] is True


def test_virtual_repository_points_at_its_upstreams_by_priority(run_stack):
    external = "projects/acme-shared/locations/europe-west1/repositories/base"
    run = run_stack(gcp(repositories=[
        {"repositoryId": "all", "mode": "VIRTUAL", "upstreams": [
            {"repository": "images", "priority": 10}, {"repository": external, "priority": 50, "id": "shared-base"}]},
        {"repositoryId": "images"},
    ]))
    virtual = run.one(REPOSITORY, "gcp-all").inputs
    assert virtual["mode"] == "VIRTUAL_REPOSITORY"
    assert virtual["virtualRepositoryConfig"] == {"upstreamPolicies": [
        {"id": "shared-base", "repository": external, "priority": 50},
        {"id": "images", "repository": "projects/acme-prod/locations/europe-west1/repositories/images", "priority": 10},
    ]}
    for absent in ("dockerConfig", "vulnerabilityScanningConfig", "cleanupPolicies", "kmsKeyName"):
        assert absent not in virtual, absent
    # The order of the config is kept in the outputs.
    assert list(run.exports["gcp"].value["repositories"]) == ["all", "images"]


def test_iam_access_authoritative_and_additive_bindings(run_stack):
    run = run_stack(gcp(repositories=[{
        "repositoryId": "images",
        "public": True,
        "access": {"pull": ["group:devs@acme.example", "allUsers"], "push": ["serviceAccount:build@acme-prod.iam.gserviceaccount.com"]},
        "iam": {"roles/artifactregistry.repoAdmin": ["group:admins@acme.example", "user:root@acme.example"]},
        "iamBindingsAdditive": {"auditor": {"role": "roles/artifactregistry.reader", "member": "user:audit@acme.example"}},
    }]))
    members = {(r.inputs["role"], r.inputs["member"]) for r in run.of_type(IAM_MEMBER)}
    assert members == {
        ("roles/artifactregistry.reader", "group:devs@acme.example"),
        ("roles/artifactregistry.reader", "allUsers"),
        ("roles/artifactregistry.reader", "user:audit@acme.example"),
        ("roles/artifactregistry.writer", "serviceAccount:build@acme-prod.iam.gserviceaccount.com"),
    }
    for registration in run.of_type(IAM_MEMBER):
        assert registration.inputs["repository"] == "images"
        assert registration.inputs["location"] == "europe-west1" and registration.inputs["project"] == "acme-prod"
        assert run.parent_of(registration).type == ARTIFACT_REPOSITORY
    assert run.one(IAM_MEMBER, f"gcp-images-artifactregistry.reader-{member_key('allUsers')}")
    binding = run.one(IAM_BINDING, "gcp-images-iam-artifactregistry.repoAdmin").inputs
    assert binding["role"] == "roles/artifactregistry.repoAdmin"
    assert binding["members"] == ["group:admins@acme.example", "user:root@acme.example"]


def test_enable_services_turns_on_the_apis_in_use_and_repositories_wait_for_them(run_stack):
    run = run_stack(gcp(enableServices=True, repositories=[{"repositoryId": "images"}]))
    services = {r.inputs["service"]: r for r in run.of_type(SERVICE)}
    assert set(services) == {"artifactregistry.googleapis.com", "containerscanning.googleapis.com"}
    assert all(r.inputs["disableOnDestroy"] is False and r.inputs["project"] == "acme-prod" for r in services.values())
    depends = set(run.one(REPOSITORY).request.dependencies)
    assert {r.urn for r in services.values()} <= depends

    no_scanning = run_stack(gcp(enableServices=True, repositories=[{"repositoryId": "images", "vulnerabilityScanning": False}]))
    assert {r.inputs["service"] for r in no_scanning.of_type(SERVICE)} == {"artifactregistry.googleapis.com"}


def test_outputs_give_every_repository_url(run_stack):
    run = run_stack(gcp(repositories=[{"repositoryId": "images"}, {"repositoryId": "base"}]))
    details = run.exports["gcp"].value
    assert details["repositories"] == {
        "images": {"url": "europe-west1-docker.pkg.dev/acme-prod/images", "id": "projects/acme-prod/locations/europe-west1/repositories/images"},
        "base": {"url": "europe-west1-docker.pkg.dev/acme-prod/base", "id": "projects/acme-prod/locations/europe-west1/repositories/base"},
    }
    assert details["project"] == "acme-prod" and details["location"] == "europe-west1"
    assert details["loginServer"] == "europe-west1-docker.pkg.dev"
    assert details["ciServiceAccounts"] == {} and details["workloadIdentityProvider"] is None
    public = run.exports["registries"].value["gcp"]
    assert public["kind"] == "artifact-registry"
    assert public["endpoint"] == "https://europe-west1-docker.pkg.dev"
    assert public["loginServer"] == "europe-west1-docker.pkg.dev"
    assert public["username"] == "oauth2accesstoken" and public["credentialHelper"] == "gcloud"
    assert public["loginCommand"] == (
        "gcloud auth print-access-token | docker login --username oauth2accesstoken --password-stdin https://europe-west1-docker.pkg.dev"
    )
    assert public["passwordExpiresAt"] is None and public["identities"] == []
    # No password: docker logs in through the gcloud credential helper.
    assert run.exports["registryCredentials"].value["gcp"]["password"] is None
    config = json.loads(run.exports["dockerConfigJson"].value)
    assert config["credHelpers"] == {"europe-west1-docker.pkg.dev": "gcloud"}


def test_project_defaults_to_the_providers(run_stack):
    run = run_stack({"gcp": {"location": "us", "repositories": [{"repositoryId": "images"}]}})
    assert "project" not in run.one(REPOSITORY).inputs
    details = run.exports["gcp"].value
    assert details["project"] == GCP_PROJECT and not run.exports["gcp"].secret
    assert details["repositories"]["images"]["url"] == f"us-docker.pkg.dev/{GCP_PROJECT}/images"


def test_artifact_repository_on_its_own():
    """A team declares one repository without a registry; a plain upstream ID is a repository of its own project."""

    def program():
        virtual = ArtifactRepository("all", {"repositoryId": "all", "location": "asia", "mode": "VIRTUAL",
                                             "upstreams": [{"repository": "images", "priority": 1}]})
        standard = ArtifactRepository("images", {"repositoryId": "images", "location": "asia", "project": "team-proj",
                                                 "access": {"pull": ["group:devs@acme.example"]}})
        pulumi.export("url", standard.url)
        pulumi.export("virtualUrl", virtual.url)

    run = run_under_mocks(program, stack="lib")
    assert run.exports["url"].value == "asia-docker.pkg.dev/team-proj/images"
    assert run.exports["virtualUrl"].value == f"asia-docker.pkg.dev/{GCP_PROJECT}/all"
    policies = run.one(REPOSITORY, "all").inputs["virtualRepositoryConfig"]["upstreamPolicies"]
    assert policies == [{"id": "images", "repository": f"projects/{GCP_PROJECT}/locations/asia/repositories/images", "priority": 1}]
    assert run.one(IAM_MEMBER).inputs["project"] == "team-proj"


@pytest.mark.parametrize(("section", "imported"), [("selfHosted", False), ("gcp", True)])
def test_pulumi_gcp_is_imported_only_when_used(section, imported):
    config = {"selfHosted": {"users": [{"name": "ci"}]}} if section == "selfHosted" else gcp(repositories=[{"repositoryId": "a"}])
    script = (
        "import json, sys\n"
        "from tests.support.harness import run_program\n"
        f"run_program(json.loads({json.dumps(json.dumps(config))}))\n"
        "print('pulumi_gcp' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(imported)
