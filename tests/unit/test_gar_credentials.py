"""Artifact Registry credentials: CI service accounts scoped to the stack's repositories, GitHub Actions
through Workload Identity Federation, and the opt-in access token of a CI account (never the deployer's)."""

from __future__ import annotations

import base64
import datetime
import json

import pulumi

from registry_platform import ArtifactRegistry
from tests.support.harness import run_under_mocks
from tests.support.mocks import GCP_PROJECT_NUMBER

ACCOUNT = "gcp:serviceaccount/account:Account"
SA_BINDING = "gcp:serviceaccount/iAMBinding:IAMBinding"
IAM_MEMBER = "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember"
POOL = "gcp:iam/workloadIdentityPool:WorkloadIdentityPool"
PROVIDER = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"
SERVICE = "gcp:projects/service:Service"
CI_ACCOUNT = "registry-platform:gcp:CiServiceAccount"
TOKEN = "gcp:serviceaccount/getAccountAccessToken:getAccountAccessToken"
DEPLOYER = "serviceAccount:deploy@acme-prod.iam.gserviceaccount.com"
POOL_NAME = f"projects/{GCP_PROJECT_NUMBER}/locations/global/workloadIdentityPools/github"
EXISTING_PROVIDER = "projects/987654321098/locations/global/workloadIdentityPools/ci-pool/providers/github"
REPOS = [{"repositoryId": "images"}, {"repositoryId": "base"},
         {"repositoryId": "all", "mode": "VIRTUAL", "upstreams": [{"repository": "images", "priority": 2}, {"repository": "base", "priority": 1}]}]


def gcp(**section):
    return {"gcp": {"location": "europe-west1", "project": "acme-prod", "repositories": REPOS, **section}}


def grants_of(run, account_key: str) -> dict[str, str]:
    """Repository ID -> role granted to the account, checking each grant names the account and sits under it."""
    email = run.one(ACCOUNT, f"gcp-ci-{account_key}-account").outputs["email"]
    grants = {}
    for registration in run.of_type(IAM_MEMBER):
        if registration.name.startswith(f"gcp-ci-{account_key}-"):
            assert registration.inputs["member"] == f"serviceAccount:{email}"
            assert run.parent_of(registration).type == CI_ACCOUNT
            grants[registration.inputs["repository"]] = registration.inputs["role"]
    return grants


def test_ci_accounts_get_exactly_their_repositories_and_no_key(run_stack):
    run = run_stack(gcp(ciServiceAccounts=[
        {"name": "push", "access": "push", "impersonators": [DEPLOYER]},
        {"name": "pull", "access": "pull", "repositories": ["base"], "impersonators": [DEPLOYER]},
    ]))
    assert grants_of(run, "push") == {
        "images": "roles/artifactregistry.writer",
        "base": "roles/artifactregistry.writer",
        "all": "roles/artifactregistry.reader",  # nothing can be pushed to a virtual repository
    }
    assert grants_of(run, "pull") == {"base": "roles/artifactregistry.reader"}
    account = run.one(ACCOUNT, "gcp-ci-push-account")
    assert account.inputs["project"] == "acme-prod"
    assert account.inputs["accountId"].startswith("ar-push-") and len(account.inputs["accountId"]) <= 30
    assert account.inputs["accountId"] != run.one(ACCOUNT, "gcp-ci-pull-account").inputs["accountId"].replace("pull", "push")
    assert not [r for r in run.resources if "key" in r.type.lower()]

    creators = run.one(SA_BINDING, "gcp-ci-push-token-creators").inputs
    assert creators == {"serviceAccountId": account.outputs["name"], "role": "roles/iam.serviceAccountTokenCreator", "members": [DEPLOYER]}

    public = run.exports["registries"].value["gcp"]
    assert public["identities"] == [
        {"name": "push", "access": "push", "type": "gcp-service-account", "id": account.outputs["email"]},
        {"name": "pull", "access": "pull", "type": "gcp-service-account", "id": run.one(ACCOUNT, "gcp-ci-pull-account").outputs["email"]},
    ]
    assert run.exports["gcp"].value["ciServiceAccounts"] == {i["name"]: i["id"] for i in public["identities"]}
    # Accounts alone export no password, and no token is minted.
    assert run.exports["registryCredentials"].value["gcp"]["password"] is None
    assert not [t for t, _ in run.mocks.call_log if t == TOKEN]


def test_account_ids_are_stable_across_runs_and_unique_per_stack(run_stack):
    config = gcp(ciServiceAccounts=[{"name": "push", "access": "push", "impersonators": [DEPLOYER]}])
    first = run_stack(config).one(ACCOUNT).inputs["accountId"]
    assert run_stack(config).one(ACCOUNT).inputs["accountId"] == first
    assert run_stack(config, stack="staging").one(ACCOUNT).inputs["accountId"] != first
    given = gcp(ciServiceAccounts=[{"name": "push", "access": "push", "impersonators": [DEPLOYER], "accountId": "ci-pusher"}])
    assert run_stack(given).one(ACCOUNT).inputs["accountId"] == "ci-pusher"


def test_github_actions_through_a_created_pool_restricted_to_the_listed_repositories(run_stack):
    subjects = ["repo:acme/api:ref:refs/heads/main", "repo:acme/api:environment:prod"]
    run = run_stack(gcp(enableServices=True, githubWorkloadIdentity={"create": {}}, ciServiceAccounts=[
        {"name": "push", "access": "push", "repositories": ["images"], "githubSubjects": subjects},
        {"name": "pull", "access": "pull", "githubRepositories": ["acme/web"]},
    ]))
    pool = run.one(POOL)
    assert pool.inputs["workloadIdentityPoolId"] == "github" and pool.inputs["project"] == "acme-prod"
    provider = run.one(PROVIDER).inputs
    assert provider["workloadIdentityPoolId"] == "github" and provider["workloadIdentityPoolProviderId"] == "github-actions"
    assert provider["oidc"] == {"issuerUri": "https://token.actions.githubusercontent.com"}
    assert provider["attributeMapping"]["google.subject"] == "assertion.sub"
    assert provider["attributeMapping"]["attribute.repository"] == "assertion.repository"
    # Never without a condition: only the repositories the accounts list.
    assert provider["attributeCondition"] == "assertion.repository in ['acme/api', 'acme/web']"

    push = run.one(SA_BINDING, "gcp-ci-push-workload-identity").inputs
    assert push["role"] == "roles/iam.workloadIdentityUser"
    assert push["serviceAccountId"] == run.one(ACCOUNT, "gcp-ci-push-account").outputs["name"]
    assert push["members"] == sorted(f"principal://iam.googleapis.com/{POOL_NAME}/subject/{s}" for s in subjects)
    pull = run.one(SA_BINDING, "gcp-ci-pull-workload-identity").inputs
    assert pull["members"] == [f"principalSet://iam.googleapis.com/{POOL_NAME}/attribute.repository/acme/web"]
    assert not [r for r in run.of_type(SA_BINDING) if r.name.endswith("token-creators")]

    services = {r.inputs["service"] for r in run.of_type(SERVICE)}
    assert {"iam.googleapis.com", "iamcredentials.googleapis.com", "sts.googleapis.com"} <= services
    details = run.exports["gcp"].value
    assert details["workloadIdentityPool"] == POOL_NAME
    assert details["workloadIdentityProvider"] == f"{POOL_NAME}/providers/github-actions"


def test_an_existing_provider_is_referenced_not_created(run_stack):
    run = run_stack(gcp(githubWorkloadIdentity={"providerName": EXISTING_PROVIDER}, ciServiceAccounts=[
        {"name": "pull", "access": "pull", "githubSubjects": ["repo:acme/api:pull_request"]}]))
    assert not run.of_type(POOL) and not run.of_type(PROVIDER)
    members = run.one(SA_BINDING, "gcp-ci-pull-workload-identity").inputs["members"]
    assert members == ["principal://iam.googleapis.com/projects/987654321098/locations/global/workloadIdentityPools/ci-pool/subject/repo:acme/api:pull_request"]
    assert run.exports["gcp"].value["workloadIdentityProvider"] == EXISTING_PROVIDER


def test_export_access_token_mints_a_token_of_the_ci_account_and_keeps_it_secret(run_stack):
    before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    run = run_stack(gcp(ciServiceAccounts=[
        {"name": "push", "access": "push", "impersonators": [DEPLOYER], "exportAccessToken": True},
        {"name": "pull", "access": "pull", "impersonators": [DEPLOYER]},
    ]))
    after = datetime.datetime.now(datetime.timezone.utc)
    email = run.one(ACCOUNT, "gcp-ci-push-account").outputs["email"]
    tokens = [args for token, args in run.mocks.call_log if token == TOKEN]
    assert tokens == [{"targetServiceAccount": email, "scopes": ["https://www.googleapis.com/auth/cloud-platform"], "lifetime": "3600s"}]

    credentials = run.exports["registryCredentials"]
    assert credentials.secret
    password = credentials.value["gcp"]["password"]
    assert password.startswith("ya29.")
    config = json.loads(credentials.value["gcp"]["dockerConfigJson"])
    assert base64.b64decode(config["auths"]["europe-west1-docker.pkg.dev"]["auth"]).decode() == f"oauth2accesstoken:{password}"
    public = run.exports["registries"]
    assert not public.secret
    expires = datetime.datetime.strptime(public.value["gcp"]["passwordExpiresAt"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    assert before + datetime.timedelta(hours=1) <= expires <= after + datetime.timedelta(hours=1)
    assert password not in json.dumps(public.value) + json.dumps(run.exports["gcp"].value)


def test_the_library_component_keeps_the_token_secret_and_the_plain_values_plain():
    def program():
        registry = ArtifactRegistry("lib", {"location": "us", "project": "acme-prod", "repositories": [{"repositoryId": "a"}],
                                            "ciServiceAccounts": [{"name": "push", "access": "push", "impersonators": [DEPLOYER],
                                                                   "exportAccessToken": True}]})
        pulumi.export("password", registry.access.password)
        pulumi.export("loginServer", registry.access.login_server)
        pulumi.export("expires", registry.access.password_expires_at)
        pulumi.export("repositories", registry.stack_outputs()["gcp"]["repositories"])

    run = run_under_mocks(program, stack="lib")
    assert run.exports["password"].secret and run.exports["password"].value
    assert not run.exports["loginServer"].secret and not run.exports["expires"].secret
    assert run.exports["repositories"].value == {"a": {"url": "us-docker.pkg.dev/acme-prod/a", "id": "projects/acme-prod/locations/us/repositories/a"}}
