"""ECR credentials: scoped CI roles instead of the deployer's token, the opt-in role token, GitHub OIDC,
and the `EcrRepository` component with the aliases that keep deployed repositories in place."""

from __future__ import annotations

import base64
import json

import pulumi
import pytest

from registry_platform import EcrRepository, SettingsError, load_stack_settings
from tests.support.harness import run_under_mocks
from tests.support.mocks import ACCOUNT_ID

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
OIDC = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
PROVIDER = "pulumi:providers:aws"
REPOSITORY = "aws:ecr/repository:Repository"
CI_ROLE = "registry-platform:aws:EcrCiRole"
TOKEN = "aws:ecr/getAuthorizationToken:getAuthorizationToken"
DEPLOYER = "arn:aws:iam::123456789012:role/deployer"
OIDC_ARN = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/token.actions.githubusercontent.com"
REPOS = [{"name": "team/api"}, {"name": "team/worker"}]


def repo_arn(name: str, region: str = "us-east-1") -> str:
    return f"arn:aws:ecr:{region}:{ACCOUNT_ID}:repository/{name}"


def role_documents(run, key: str) -> tuple[dict, dict]:
    role = run.one(ROLE, f"aws-ci-{key}-role")
    policy = run.one(ROLE_POLICY, f"aws-ci-{key}-policy")
    assert run.parent_of(role).type == CI_ROLE and run.parent_of(policy).type == CI_ROLE
    return json.loads(role.inputs["assumeRolePolicy"]), json.loads(policy.inputs["policy"])


def test_push_and_pull_roles_grant_exactly_their_repositories(run_stack):
    run = run_stack({"aws": {"repositories": REPOS, "ciRoles": [
        {"name": "push", "access": "push", "trustedPrincipals": [DEPLOYER, "210987654321"]},
        {"name": "pull", "access": "pull", "repositories": ["team/worker"], "trustedPrincipals": ["210987654321"]},
    ]}})
    trust, policy = role_documents(run, "push")
    assert trust["Statement"] == [{
        "Sid": "TrustedPrincipals", "Effect": "Allow", "Action": ["sts:AssumeRole"],
        "Principal": {"AWS": [DEPLOYER, "arn:aws:iam::210987654321:root"]},
    }]
    login, push = policy["Statement"]
    assert login == {"Sid": "Login", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}
    assert push["Resource"] == sorted([repo_arn("team/api"), repo_arn("team/worker")])
    assert {"ecr:PutImage", "ecr:BatchGetImage", "ecr:InitiateLayerUpload"} <= set(push["Action"])
    assert not [a for a in push["Action"] if "Delete" in a or "Policy" in a or a == "ecr:*"]

    _, pull_policy = role_documents(run, "pull")
    pull = pull_policy["Statement"][1]
    assert pull["Resource"] == [repo_arn("team/worker")]
    assert "ecr:PutImage" not in pull["Action"] and "ecr:BatchGetImage" in pull["Action"]

    role = run.one(ROLE, "aws-ci-push-role")
    assert role.inputs["maxSessionDuration"] == 3600
    assert role.inputs["tags"]["managed-by"] == "registry-platform"
    assert run.one(ROLE_POLICY, "aws-ci-push-policy").inputs["role"] == role.outputs.get("id", "aws-ci-push-role-id")

    public = run.exports["registries"].value["aws"]
    assert public["identities"] == [
        {"name": "push", "access": "push", "type": "aws-iam-role", "id": role.outputs["arn"]},
        {"name": "pull", "access": "pull", "type": "aws-iam-role", "id": run.one(ROLE, "aws-ci-pull-role").outputs["arn"]},
    ]
    assert run.exports["aws"].value["ciRoles"] == {i["name"]: i["id"] for i in public["identities"]}
    # Roles alone export no password, and nobody's token is fetched.
    assert run.exports["registryCredentials"].value["aws"]["password"] is None
    assert not [t for t, _ in run.mocks.call_log if t == TOKEN]
    assert not run.of_type(PROVIDER)


def test_github_actions_trust_through_a_created_oidc_provider(run_stack):
    subjects = ["repo:acme/api:ref:refs/heads/main", "repo:acme/api:environment:prod"]
    run = run_stack({"aws": {"repositories": REPOS, "githubOidc": {"create": True},
                             "ciRoles": [{"name": "push", "access": "push", "githubSubjects": subjects}]}})
    provider = run.one(OIDC)
    assert provider.inputs["url"] == "https://token.actions.githubusercontent.com"
    assert provider.inputs["clientIdLists"] == ["sts.amazonaws.com"]
    trust, _ = role_documents(run, "push")
    assert trust["Statement"] == [{
        "Sid": "GithubActions", "Effect": "Allow", "Principal": {"Federated": provider.outputs["arn"]},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
            "StringLike": {"token.actions.githubusercontent.com:sub": subjects},
        },
    }]
    assert run.exports["aws"].value["githubOidcProviderArn"] == provider.outputs["arn"]


def test_an_existing_oidc_provider_is_referenced_not_created(run_stack):
    run = run_stack({"aws": {"repositories": REPOS, "githubOidc": {"providerArn": OIDC_ARN},
                             "ciRoles": [{"name": "pull", "access": "pull", "githubSubjects": ["repo:acme/api:pull_request"]}]}})
    assert not run.of_type(OIDC)
    trust, _ = role_documents(run, "pull")
    assert trust["Statement"][0]["Principal"] == {"Federated": OIDC_ARN}


def test_export_login_token_assumes_the_ci_role_and_keeps_the_token_secret(run_stack):
    run = run_stack({"aws": {"region": "eu-west-1", "repositories": REPOS, "ciRoles": [
        {"name": "push", "access": "push", "trustedPrincipals": [DEPLOYER], "exportLoginToken": True},
        {"name": "pull", "access": "pull", "trustedPrincipals": [DEPLOYER]},
    ]}})
    role = run.one(ROLE, "aws-ci-push-role")
    provider = run.one(PROVIDER, "aws-ci-push-provider")
    assert run.parent_of(provider).type == CI_ROLE
    assert provider.inputs["region"] == "eu-west-1"
    # Provider inputs reach the engine as JSON text.
    roles = json.loads(provider.inputs["assumeRoles"])
    assert [(r["roleArn"], r["sessionName"]) for r in roles] == [(role.outputs["arn"], "registry-platform-login-token")]
    # The one token invoke ran through that provider, never through the deployer's default provider.
    tokens = [args for token, args in run.mocks.call_log if token == TOKEN]
    assert len(tokens) == 1
    assert [p for t, p in run.mocks.call_providers if t == TOKEN] == [f"{provider.urn}::{provider.outputs.get('id', 'aws-ci-push-provider-id')}"]

    credentials = run.exports["registryCredentials"]
    assert credentials.secret
    password = credentials.value["aws"]["password"]
    assert password
    login_server = f"{ACCOUNT_ID}.dkr.ecr.eu-west-1.amazonaws.com"
    config = json.loads(credentials.value["aws"]["dockerConfigJson"])
    assert base64.b64decode(config["auths"][login_server]["auth"]).decode() == f"AWS:{password}"
    public = run.exports["registries"]
    assert not public.secret and public.value["aws"]["passwordExpiresAt"] == "2026-11-30T08:00:00Z"
    assert password not in json.dumps(public.value) + json.dumps(run.exports["aws"].value)


def test_the_token_invoke_is_secret_as_a_whole_yet_the_plain_outputs_are_not():
    """The mock answers like the provider (password secret), which makes the SDK mark the whole
    invoke result secret; the registry must not build its plain outputs from it."""
    from registry_platform import EcrRegistry

    def program():
        registry = EcrRegistry("lib", {"repositories": [{"name": "aa"}], "ciRoles": [
            {"name": "push", "access": "push", "trustedPrincipals": [DEPLOYER], "exportLoginToken": True}]})
        pulumi.export("loginServer", registry.access.login_server)
        pulumi.export("expires", registry.access.password_expires_at)
        pulumi.export("password", registry.access.password)

    run = run_under_mocks(program, stack="lib")
    assert run.exports["password"].secret and run.exports["password"].value
    assert not run.exports["loginServer"].secret and not run.exports["expires"].secret


@pytest.mark.parametrize(
    ("section", "path", "fragment"),
    [
        ({"ciRoles": [{"name": "push", "access": "push", "repositories": ["nope"], "trustedPrincipals": [DEPLOYER]}]},
         "aws.ciRoles[0].repositories[0]", "'nope' is not in aws.repositories (team/api, team/worker)"),
        ({"ciRoles": [{"name": "push", "access": "push", "githubSubjects": ["repo:acme/api:pull_request"]}]},
         "aws.ciRoles[0].githubSubjects", "needs aws.githubOidc"),
        ({"ciRoles": [{"name": "push", "access": "push"}]}, "aws.ciRoles[0]", "nobody could assume this role"),
        ({"ciRoles": [{"name": "push", "access": "push", "githubSubjects": ["repo:acme/api:pull_request"],
                       "exportLoginToken": True}], "githubOidc": {"create": True}},
         "aws.ciRoles[0].exportLoginToken", "list the deploying identity"),
        ({"ciRoles": [{"name": "a", "access": "push", "trustedPrincipals": [DEPLOYER], "exportLoginToken": True},
                      {"name": "b", "access": "pull", "trustedPrincipals": [DEPLOYER], "exportLoginToken": True}]},
         "aws.ciRoles[1].exportLoginToken", "only one role"),
        ({"githubOidc": {"create": True, "providerArn": OIDC_ARN}}, "aws.githubOidc", "exactly one of"),
        ({"githubOidc": {}}, "aws.githubOidc", "exactly one of"),
        ({"ciRoles": [{"name": "push", "access": "push", "githubSubjects": ["repo:acme/*:ref:refs/heads/main"]}],
          "githubOidc": {"create": True}}, "aws.ciRoles[0].githubSubjects[0]", "of one repository"),
        ({"ciRoles": [{"name": "push", "access": "admin", "trustedPrincipals": [DEPLOYER]}]}, "aws.ciRoles[0].access", ""),
        ({"ciRoles": [{"name": "push", "access": "push", "trustedPrincipals": ["*"]}]},
         "aws.ciRoles[0].trustedPrincipals[0]", "public"),
        ({"ciRoles": [{"name": "Push", "access": "push", "trustedPrincipals": [DEPLOYER]}]}, "aws.ciRoles[0].name", "CI role name"),
        ({"ciRoles": [{"name": "p", "access": "push", "trustedPrincipals": [DEPLOYER]},
                      {"name": "p", "access": "pull", "trustedPrincipals": [DEPLOYER]}]}, "aws.ciRoles[1].name",
         "CI role 'p' is already entry [0]"),
        ({"ciRoles": [{"name": "a", "access": "push", "trustedPrincipals": [DEPLOYER], "roleName": "ci"},
                      {"name": "b", "access": "pull", "trustedPrincipals": [DEPLOYER], "roleName": "ci"}]},
         "aws.ciRoles[1].roleName", "already the role name of entry [0]"),
        ({"ciRoles": [{"name": "p", "access": "push", "githubSubjects": ["repo:acme/api:pull_request\n"]}],
          "githubOidc": {"create": True}}, "aws.ciRoles[0].githubSubjects[0]", "of one repository"),
        ({"ciRoles": [{"name": "p", "access": "push", "trustedPrincipals": [DEPLOYER], "maxSessionHours": 13}]},
         "aws.ciRoles[0].maxSessionHours", "12"),
    ],
)
def test_ci_role_config_errors(section, path, fragment):
    with pytest.raises(SettingsError) as caught:
        load_stack_settings({"aws": {"repositories": REPOS, **section}})
    problems = {p.path: p.message for p in caught.value.problems}
    assert path in problems, problems
    assert fragment in problems[path]


def test_a_role_without_repositories_needs_the_stack_to_declare_some():
    with pytest.raises(SettingsError) as caught:
        load_stack_settings({"aws": {"ciRoles": [{"name": "push", "access": "push", "trustedPrincipals": [DEPLOYER]}]}})
    assert "declares no repository" in str(caught.value)


def test_repositories_move_under_ecr_repository_with_aliases_to_their_old_parent(run_stack):
    """Before `EcrRepository`, a repository and its policies were children of the EcrRegistry; the
    alias to that parent lets a deployed stack adopt them instead of replacing them."""
    run = run_stack({"aws": {"repositories": [{"name": "team/api", "lifecycle": {"untaggedExpireDays": 3},
                                               "access": {"pull": ["210987654321"]}}]}})
    registry = run.one("registry-platform:aws:EcrRegistry")
    for type_, name in [(REPOSITORY, "aws-team/api"), ("aws:ecr/lifecyclePolicy:LifecyclePolicy", "aws-team/api-lifecycle"),
                        ("aws:ecr/repositoryPolicy:RepositoryPolicy", "aws-team/api-policy")]:
        resource = run.one(type_, name)
        assert run.parent_of(resource).type == "registry-platform:aws:EcrRepository"
        assert [alias.spec.parentUrn for alias in resource.request.aliases] == [registry.urn], name


def test_ecr_repository_on_its_own():
    """A team declares one repository without a registry: region from its args, its own KMS key."""

    def program():
        repository = EcrRepository("api", {"name": "team/api", "region": "eu-west-1", "encryption": {"type": "KMS"},
                                           "access": {"pull": ["210987654321"]}})
        pulumi.export("url", repository.url)
        pulumi.export("key", repository.kms_key_arn)

    run = run_under_mocks(program, stack="lib")
    repository = run.one(REPOSITORY, "api")
    key = run.one("aws:kms/key:Key", "api-kms")
    assert repository.inputs["region"] == "eu-west-1"
    assert repository.inputs["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": key.outputs["arn"]}]
    assert run.exports["url"].value == f"{ACCOUNT_ID}.dkr.ecr.eu-west-1.amazonaws.com/team/api"
    assert run.exports["key"].value == key.outputs["arn"]
    assert not run.one(REPOSITORY, "api").request.aliases
    assert json.loads(run.one("aws:ecr/repositoryPolicy:RepositoryPolicy").inputs["policy"])["Statement"][0]["Principal"] == {
        "AWS": ["arn:aws:iam::210987654321:root"]}


def test_the_token_provider_starts_from_the_deployers_configured_credentials(run_stack):
    """An explicit provider reads no `aws:*` stack config: the deployer's profile and role chain are
    handed over, and the CI role is assumed after them (its trust names the deploy role)."""
    deploy_chain = [{"roleArn": DEPLOYER, "sessionName": "deploy", "externalId": "acme"}]
    run = run_stack({
        "aws:profile": "acme-prod", "aws:assumeRoles": deploy_chain, "aws:sharedConfigFiles": ["/etc/aws/config"],
        "aws": {"repositories": REPOS, "ciRoles": [
            {"name": "push", "access": "push", "trustedPrincipals": [DEPLOYER], "exportLoginToken": True}]},
    })
    provider = run.one(PROVIDER, "aws-ci-push-provider")
    assert provider.inputs["profile"] == "acme-prod"
    assert json.loads(provider.inputs["sharedConfigFiles"]) == ["/etc/aws/config"]
    chain = json.loads(provider.inputs["assumeRoles"])
    assert [(r["roleArn"], r.get("sessionName"), r.get("externalId")) for r in chain] == [
        (DEPLOYER, "deploy", "acme"),
        (run.one(ROLE, "aws-ci-push-role").outputs["arn"], "registry-platform-login-token", None),
    ]


def test_a_standalone_ci_role_with_github_subjects_needs_the_oidc_provider():
    from registry_platform import EcrCiRole
    from registry_platform.aws.context import AwsContext

    def program():
        context = AwsContext(*(pulumi.Output.from_input(v) for v in (ACCOUNT_ID, "us-east-1", "aws", "amazonaws.com")))
        EcrCiRole("ci", {"name": "push", "access": "push", "githubSubjects": ["repo:acme/api:pull_request"]}, [], context)

    run = run_under_mocks(program, expect_error=True)
    assert "give oidc_provider_arn" in str(run.error)


# --- cross-account Lambda pulls ----------------------------------------------------------------


def test_a_lambda_of_another_account_gets_its_account_granted_too(run_stack):
    """AWS documents two statements for a cross-account Lambda image: the Lambda service with a
    source-ARN condition, and the function's account granted BatchGetImage/GetDownloadUrlForLayer."""
    own = f"arn:aws:lambda:eu-west-1:{ACCOUNT_ID}:function:api"
    other = "arn:aws:lambda:eu-west-1:210987654321:function:*"
    run = run_stack({"aws": {"region": "eu-west-1", "repositories": [{"name": "team/api", "access": {"lambdaPull": [own, other]}}]}})
    statements = {s["Sid"]: s for s in json.loads(run.one("aws:ecr/repositoryPolicy:RepositoryPolicy").inputs["policy"])["Statement"]}
    assert statements["LambdaPull"]["Condition"] == {"StringLike": {"aws:sourceArn": [own, other]}}
    assert statements["LambdaCrossAccountPull"] == {
        "Sid": "LambdaCrossAccountPull", "Effect": "Allow",
        "Principal": {"AWS": ["arn:aws:iam::210987654321:root"]},  # the own account needs no grant
        "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
    }
    same_account_only = run_stack({"aws": {"region": "eu-west-1", "repositories": [{"name": "team/api", "access": {"lambdaPull": [own]}}]}})
    sids = [s["Sid"] for s in json.loads(same_account_only.one("aws:ecr/repositoryPolicy:RepositoryPolicy").inputs["policy"])["Statement"]]
    assert sids == ["LambdaPull"]


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ("arn:aws:lambda:us-west-2:210987654321:function:fn", "names us-west-2 but the repository is in eu-west-1"),
        ("arn:aws:lambda:*:210987654321:function:fn", "names any region ('*')"),
    ],
)
def test_lambda_pulls_are_same_region_only(pattern, fragment):
    with pytest.raises(SettingsError) as caught:
        load_stack_settings({"aws": {"region": "eu-west-1", "repositories": [{"name": "a1", "access": {"lambdaPull": [pattern]}}]}})
    message = {p.path: p.message for p in caught.value.problems}["aws.repositories[0].access.lambdaPull[0]"]
    assert fragment in message and "same-region only" in message
    from registry_platform import EcrRepositoryArgs

    with pytest.raises(Exception, match="same-region only"):
        EcrRepositoryArgs.model_validate({"name": "a1", "region": "eu-west-1", "access": {"lambdaPull": [pattern]}})
