"""Every rule, called directly: one passing and at least one failing case (props as the engine sends them)."""

from __future__ import annotations

import base64
import json

import pytest
import yaml

from registry_policies import all_policies

from .support import check, check_stack

POLICIES = {p.name: p for p in all_policies()}

ECR = "aws:ecr/repository:Repository"
ECR_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
ECR_REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"
ACR = "azure-native:containerregistry:Registry"
GAR = "gcp:artifactregistry/repository:Repository"
GAR_MEMBER = "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember"
GAR_BINDING = "gcp:artifactregistry/repositoryIamBinding:RepositoryIamBinding"
GAR_POLICY = "gcp:artifactregistry/repositoryIamPolicy:RepositoryIamPolicy"
CONTAINER = "docker:index/container:Container"
IMAGE = "docker:index/remoteImage:RemoteImage"

GOOD_ECR = {
    "name": "team/api",
    "imageTagMutability": "IMMUTABLE",
    "imageScanningConfiguration": {"scanOnPush": True},
    "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": "arn:aws:kms:eu-west-1:1:key/k"}],
}


def policy_document(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


PULL = {"Sid": "Pull", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::210987654321:root"]}, "Action": ["ecr:BatchGetImage"]}
PUBLIC = {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage"]}
PUBLIC_AWS = {"Sid": "PublicAws", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "ecr:BatchGetImage"}
ORG_ONLY = {**PUBLIC, "Sid": "Org", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}}
TOKEN = {**PULL, "Sid": "Token", "Action": ["ecr:GetAuthorizationToken", "ecr:BatchGetImage"]}

GOOD_ACR = {
    "registryName": "acmeregistry",
    "sku": {"name": "Premium"},
    "adminUserEnabled": False,
    "anonymousPullEnabled": False,
    "publicNetworkAccess": "Disabled",
    "policies": {"retentionPolicy": {"status": "enabled", "days": 7}},
}
GOOD_GAR = {
    "repositoryId": "images",
    "format": "DOCKER",
    "mode": "STANDARD_REPOSITORY",
    "dockerConfig": {"immutableTags": True},
    "cleanupPolicies": [{"id": "untagged", "action": "DELETE", "condition": {"tagState": "UNTAGGED", "olderThan": "604800s"}}],
}

SECURE_CONFIG = yaml.safe_dump(
    {
        "version": "0.1",
        "http": {"addr": ":5000", "secret": "s", "tls": {"certificate": "/c/server.crt", "key": "/c/server.key"}},
        "auth": {"htpasswd": {"realm": "r", "path": "/auth/htpasswd"}},
    }
)
PLAIN_CONFIG = yaml.safe_dump({"version": "0.1", "http": {"addr": ":5000", "secret": "s"}})


def container(config: str = SECURE_CONFIG, **overrides) -> dict:
    props = {
        "name": "registry",
        "image": "sha256:" + "ab" * 32,
        "entrypoints": ["registry"],
        "command": ["serve", "/etc/docker/registry/config.yml"],
        "envs": ["OTEL_TRACES_EXPORTER=none"],
        "restart": "unless-stopped",
        "ports": [{"internal": 5000.0, "external": 5000.0, "ip": "127.0.0.1", "protocol": "tcp"}],
        "uploads": [{"file": "/etc/docker/registry/config.yml", "content": config, "permissions": "0400"}],
    }
    props.update(overrides)
    return props


# (rule, resource type, passing props, [failing props...], config)
CASES = [
    ("ecr-scan-on-push", ECR, GOOD_ECR, [{**GOOD_ECR, "imageScanningConfiguration": {"scanOnPush": False}}, {"name": "raw"}], None),
    ("ecr-immutable-tags", ECR, {**GOOD_ECR, "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION"},
     [{**GOOD_ECR, "imageTagMutability": "MUTABLE"}, {"name": "raw"}, {**GOOD_ECR, "imageTagMutability": "MUTABLE_WITH_EXCLUSION"}], None),
    ("ecr-kms-encryption", ECR, GOOD_ECR, [{**GOOD_ECR, "encryptionConfigurations": [{"encryptionType": "AES256"}]}, {"name": "raw"}], None),
    ("ecr-repository-policy-no-public-principal", ECR_POLICY, {"repository": "r", "policy": policy_document(PULL, ORG_ONLY)},
     [{"repository": "r", "policy": policy_document(PULL, PUBLIC)}, {"repository": "r", "policy": policy_document(PUBLIC_AWS)}], None),
    ("ecr-repository-policy-no-authorization-token", ECR_POLICY, {"repository": "r", "policy": policy_document(PULL)},
     [{"repository": "r", "policy": policy_document(TOKEN)}], None),
    ("acr-admin-user-disabled", ACR, GOOD_ACR, [{**GOOD_ACR, "adminUserEnabled": True}], None),
    ("acr-anonymous-pull-disabled", ACR, GOOD_ACR, [{**GOOD_ACR, "anonymousPullEnabled": True}], None),
    ("acr-public-network-restricted", ACR,
     {**GOOD_ACR, "publicNetworkAccess": "Enabled", "networkRuleSet": {"defaultAction": "Deny", "ipRules": [{"iPAddressOrRange": "203.0.113.0/24", "action": "Allow"}]}},
     [{**GOOD_ACR, "publicNetworkAccess": "Enabled"}, {"registryName": "raw", "sku": {"name": "Basic"}},
      {**GOOD_ACR, "publicNetworkAccess": "Enabled", "networkRuleSet": {"defaultAction": "Allow", "ipRules": [{"iPAddressOrRange": "203.0.113.0/24"}]}}], None),
    ("acr-retention-on-premium", ACR, GOOD_ACR,
     [{**GOOD_ACR, "policies": {"retentionPolicy": {"status": "disabled"}}}, {**GOOD_ACR, "policies": None}], None),
    ("artifact-registry-no-public-members", GAR_MEMBER,
     {"repository": "images", "role": "roles/artifactregistry.reader", "member": "serviceAccount:ci@p.iam.gserviceaccount.com"},
     [{"repository": "images", "role": "roles/artifactregistry.reader", "member": "allUsers"}], None),
    ("artifact-registry-immutable-tags", GAR, GOOD_GAR,
     [{**GOOD_GAR, "dockerConfig": {"immutableTags": False}}, {"repositoryId": "raw", "format": "DOCKER"}], None),
    ("artifact-registry-cleanup-policies", GAR, GOOD_GAR,
     [{**GOOD_GAR, "cleanupPolicies": []}, {**GOOD_GAR, "cleanupPolicyDryRun": True}], None),
    ("selfhosted-registry-tls", CONTAINER, container(), [container(PLAIN_CONFIG), container(uploads=[])], None),
    ("selfhosted-registry-auth", CONTAINER, container(),
     [container(PLAIN_CONFIG), container(yaml.safe_dump({"http": {"addr": ":5000"}, "auth": {"silly": {"realm": "x"}}}))], None),
    ("selfhosted-registry-restart-policy", CONTAINER, container(), [container(restart="no"), {**container(), "restart": None}], None),
    ("docker-image-pinned", IMAGE, {"name": "registry:2.8.3"},
     [{"name": "registry:latest"}, {"name": "registry"}, {"name": "registry:2"}], None),
    ("selfhosted-registry-no-secret-env", CONTAINER,
     container(envs=["OTEL_TRACES_EXPORTER=none", "REGISTRY_HTTP_TLS_KEY=/certs/key.pem", "REGISTRY_AUTH_HTPASSWD_PATH=/auth/htpasswd"]),
     [container(envs=["REGISTRY_HTTP_SECRET=abc123"]), container(envs=["REGISTRY_STORAGE_S3_SECRETKEY=xyz"])], None),
    ("selfhosted-registry-port-binding", CONTAINER, container(ports=[{"internal": 5000.0, "external": 443.0, "ip": "0.0.0.0"}]),
     [container(PLAIN_CONFIG, ports=[{"internal": 5000.0, "external": 5000.0, "ip": "0.0.0.0"}]),
      container(PLAIN_CONFIG, ports=[{"internal": 5000.0, "external": 5000.0}]),
      container(ports=[{"internal": 5001.0, "external": 5001.0, "ip": "0.0.0.0"}])], None),
]


@pytest.mark.parametrize("rule, type_, good, bads, config", CASES, ids=[c[0] for c in CASES])
def test_resource_rule(rule, type_, good, bads, config):
    policy = POLICIES[rule]
    assert check(policy, type_, good, config=config) == []
    for bad in bads:
        found = check(policy, type_, bad, config=config)
        assert len(found) == 1, (bad, found)


def test_rules_ignore_other_resource_types():
    for policy in all_policies():
        if hasattr(policy, "resource_types"):
            assert check(policy, "aws:s3/bucket:Bucket", {"name": "x", "adminUserEnabled": True}) == []


def test_scan_on_push_accepts_registry_scanning_when_configured():
    raw = {"name": "raw"}
    assert check(POLICIES["ecr-scan-on-push"], ECR, raw, config={"registryScanning": True}) == []


def test_registry_policy_public_principal_is_caught_too():
    bad = {"policy": policy_document(PUBLIC)}
    assert len(check(POLICIES["ecr-repository-policy-no-public-principal"], ECR_REGISTRY_POLICY, bad)) == 1


def test_artifact_registry_public_members_in_bindings_and_policies():
    rule = POLICIES["artifact-registry-no-public-members"]
    binding = {"repository": "images", "role": "roles/artifactregistry.reader", "members": ["group:devs@acme.com", "allAuthenticatedUsers"]}
    assert len(check(rule, GAR_BINDING, binding)) == 1
    policy = {"repository": "images", "policyData": json.dumps({"bindings": [{"role": "roles/artifactregistry.writer", "members": ["allUsers"]}]})}
    assert len(check(rule, GAR_POLICY, policy)) == 1
    assert check(rule, GAR_BINDING, {**binding, "members": ["group:devs@acme.com"]}) == []


def test_artifact_registry_public_members_pass_when_the_repository_is_exempted():
    rule = POLICIES["artifact-registry-no-public-members"]
    member = {"repository": "projects/acme/locations/europe-west1/repositories/public-images",
              "role": "roles/artifactregistry.reader", "member": "allUsers"}
    assert len(check(rule, GAR_MEMBER, member)) == 1
    assert "`exemptions`" in check(rule, GAR_MEMBER, member)[0]
    assert check(rule, GAR_MEMBER, member, config={"exemptions": ["public-*"]}) == []  # the repository's name
    assert check(rule, GAR_MEMBER, member, name="gar-public-reader", config={"exemptions": ["gar-public-reader"]}) == []
    assert len(check(rule, GAR_MEMBER, member, config={"exemptions": ["images"]})) == 1
    binding = {"repository": "public-images", "role": "roles/artifactregistry.reader", "members": ["allAuthenticatedUsers"]}
    assert check(rule, GAR_BINDING, binding, config={"exemptions": ["public-images"]}) == []
    assert "exemptions" in rule.config_schema.properties


def test_acr_retention_is_not_asked_for_with_soft_delete():
    rule = POLICIES["acr-retention-on-premium"]
    soft_delete = {**GOOD_ACR, "policies": {"retentionPolicy": {"status": "disabled"},
                                            "softDeletePolicy": {"status": "enabled", "retentionDays": 7}}}
    assert check(rule, ACR, soft_delete) == []
    off = {**GOOD_ACR, "policies": {"retentionPolicy": {"status": "disabled"}, "softDeletePolicy": {"status": "disabled"}}}
    assert len(check(rule, ACR, off)) == 1


def test_acr_public_network_passes_for_an_exempted_registry():
    rule = POLICIES["acr-public-network-restricted"]
    standard = {**GOOD_ACR, "registryName": "acmestd01", "sku": {"name": "Standard"}, "publicNetworkAccess": "Enabled"}
    [message] = check(rule, ACR, standard)
    assert "`exemptions`" in message
    assert check(rule, ACR, standard, config={"exemptions": ["acmestd01"]}) == []
    assert check(rule, ACR, standard, name="azure-registry", config={"exemptions": ["azure-*"]}) == []
    assert len(check(rule, ACR, standard, config={"exemptions": ["other"]})) == 1
    assert "exemptions" in rule.config_schema.properties


def test_artifact_registry_rules_skip_remote_and_non_docker_repositories():
    remote = {"repositoryId": "hub", "format": "DOCKER", "mode": "REMOTE_REPOSITORY"}
    assert check(POLICIES["artifact-registry-immutable-tags"], GAR, remote) == []
    assert check(POLICIES["artifact-registry-cleanup-policies"], GAR, remote) == []
    assert check(POLICIES["artifact-registry-immutable-tags"], GAR, {"repositoryId": "py", "format": "PYTHON"}) == []


def test_image_pinning_on_registry_containers_and_digests():
    rule = POLICIES["docker-image-pinned"]
    assert check(rule, IMAGE, {"name": "registry@sha256:" + "cd" * 32}) == []
    assert len(check(rule, CONTAINER, container(image="registry:latest"))) == 1
    assert check(rule, CONTAINER, {"name": "web", "image": "nginx:latest"}) == []  # not a registry container


def test_selfhosted_settings_through_environment_overrides():
    env_tls = container(
        PLAIN_CONFIG,
        envs=["REGISTRY_HTTP_TLS_CERTIFICATE=/c/crt", "REGISTRY_HTTP_TLS_KEY=/c/key", "REGISTRY_AUTH=htpasswd",
              "REGISTRY_AUTH_HTPASSWD_PATH=/a/htpasswd", "REGISTRY_AUTH_HTPASSWD_REALM=r"],
    )
    assert check(POLICIES["selfhosted-registry-tls"], CONTAINER, env_tls) == []
    assert check(POLICIES["selfhosted-registry-auth"], CONTAINER, env_tls) == []


def test_a_read_only_mirror_may_serve_anonymously_unless_it_holds_upstream_credentials():
    mirror = {"version": "0.1", "http": {"addr": ":5000", "tls": {"certificate": "/c", "key": "/k"}},
              "proxy": {"remoteurl": "https://registry-1.docker.io"}}
    assert check(POLICIES["selfhosted-registry-auth"], CONTAINER, container(yaml.safe_dump(mirror))) == []
    with_credentials = {**mirror, "proxy": {**mirror["proxy"], "username": "bot", "password": "token"}}
    found = check(POLICIES["selfhosted-registry-auth"], CONTAINER, container(yaml.safe_dump(with_credentials)))
    assert len(found) == 1 and "upstream credentials" in found[0]
    protected = {**with_credentials, "auth": {"htpasswd": {"realm": "r", "path": "/a/htpasswd"}}}
    assert check(POLICIES["selfhosted-registry-auth"], CONTAINER, container(yaml.safe_dump(protected))) == []


def test_base64_config_upload_is_read():
    encoded = base64.b64encode(SECURE_CONFIG.encode()).decode()
    props = container(uploads=[{"file": "/etc/docker/registry/config.yml", "contentBase64": encoded}])
    assert check(POLICIES["selfhosted-registry-tls"], CONTAINER, props) == []


def test_non_registry_containers_are_left_alone():
    web = {"name": "web", "image": "nginx:1.27.0", "ports": [{"internal": 80.0, "external": 80.0}], "envs": ["API_TOKEN=x"]}
    for rule in ("selfhosted-registry-tls", "selfhosted-registry-auth", "selfhosted-registry-port-binding",
                 "selfhosted-registry-no-secret-env", "selfhosted-registry-restart-policy"):
        assert check(POLICIES[rule], CONTAINER, web) == []


# ---- stack rules --------------------------------------------------------------------------------------------

LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
STACK = "pulumi:pulumi:Stack"
ROLE_ARN = "arn:aws:iam::123456789012:role/ci-push"
SERVER = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"


def test_ecr_lifecycle_policy():
    rule = POLICIES["ecr-lifecycle-policy"]
    repo = (ECR, "api", {"name": "team/api"})
    assert check_stack(rule, [repo, (LIFECYCLE, "api-lifecycle", {"repository": "team/api", "policy": "{}"})]) == []
    found = check_stack(rule, [repo, (ECR, "other", {"name": "team/other"}), (LIFECYCLE, "l", {"repository": "team/api"})])
    assert len(found) == 1 and found[0][1].endswith("::other")


def test_registry_scanning_coverage():
    rule = POLICIES["registry-scanning-coverage"]
    scanned = (ECR, "api", {"name": "team/api", "imageScanningConfiguration": {"scanOnPush": True}})
    by_registry = (ECR, "web", {"name": "team/web"})
    scanning = (SCANNING, "scan", {"scanType": "ENHANCED", "rules": [{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "team/*", "filterType": "WILDCARD"}]}]})
    assert check_stack(rule, [scanned, by_registry, scanning]) == []
    assert len(check_stack(rule, [scanned, by_registry])) == 1
    registry = (CONTAINER, "self-hosted-container", container())
    acr = (ACR, "acr", GOOD_ACR)
    gar = (GAR, "gar", GOOD_GAR)
    assert len(check_stack(rule, [registry, acr, gar])) == 3
    defender = ("azure-native:security:Pricing", "defender", {"pricingName": "Containers", "pricingTier": "Standard"})
    api = ("gcp:projects/service:Service", "scanning-api", {"service": "containerscanning.googleapis.com"})
    assert check_stack(rule, [registry, acr, gar, defender, api], config={"exemptions": ["registry"]}) == []


def _stack(outputs: dict, *extra) -> list:
    return [(STACK, "registry-platform-prod", outputs), *extra]


def _ecr_outputs(password=None, identities=({"name": "push", "access": "push", "type": "aws-iam-role", "id": ROLE_ARN},)):
    docker = json.dumps({"auths": {SERVER: {"auth": base64.b64encode(f"AWS:{password}".encode()).decode()}}}) if password else "{}"
    return {
        "registries": {"aws": {"kind": "ecr", "loginServer": SERVER, "identities": list(identities)}},
        "registryCredentials": {"aws": {"password": password, "dockerConfigJson": docker}},
        "dockerConfigJson": docker,
    }


ROLE = ("aws:iam/role:Role", "ci-push-role", {"arn": ROLE_ARN})
ASSUMING = ("pulumi:providers:aws", "ci-push-provider", {"assumeRoles": json.dumps([{"roleArn": ROLE_ARN}])})


def test_no_deployer_token_in_outputs():
    rule = POLICIES["no-deployer-token-in-outputs"]
    token = "eyJwYXlsb2FkIjoi" + "x" * 60
    assert check_stack(rule, _stack(_ecr_outputs())) == []  # CI logs in by assuming the role: no token
    assert check_stack(rule, _stack(_ecr_outputs(token), ROLE, ASSUMING)) == []  # the CI role's own token
    deployer = check_stack(rule, _stack(_ecr_outputs(token), ROLE))  # fetched with the default provider
    assert len(deployer) == 3  # registryCredentials.aws.password, its dockerConfigJson, dockerConfigJson
    raw = check_stack(rule, _stack({"token": base64.b64encode(b"AWS:" + b"t" * 60).decode()}))
    assert len(raw) == 1
    google = check_stack(rule, _stack({"gcp": {"accessToken": "ya29." + "a" * 40}}))
    assert len(google) == 1
    claims = base64.urlsafe_b64encode(json.dumps({"iss": "https://sts.windows.net/tenant/"}).encode()).decode().rstrip("=")
    azure = check_stack(rule, _stack({"azureToken": f"eyJhbGciOiJSUzI1NiJ9.{claims}.c2ln"}))
    assert len(azure) == 1


def test_ci_credentials_scoped():
    rule = POLICIES["ci-credentials-scoped"]
    assert check_stack(rule, _stack(_ecr_outputs("pw"), ROLE)) == []
    assert len(check_stack(rule, _stack(_ecr_outputs("pw", identities=())))) == 1
    assert len(check_stack(rule, _stack(_ecr_outputs(None)))) == 1  # names a role the stack does not declare


SA_EMAIL = "ar-push-0123@acme-prod.iam.gserviceaccount.com"
SA_NAME = f"projects/acme-prod/serviceAccounts/{SA_EMAIL}"
SERVICE_ACCOUNT = ("gcp:serviceaccount/account:Account", "gcp-ci-push-account", {"email": SA_EMAIL, "name": SA_NAME})
TOKEN_CREATORS = ("gcp:serviceaccount/iAMBinding:IAMBinding", "gcp-ci-push-token-creators",
                  {"serviceAccountId": SA_NAME, "role": "roles/iam.serviceAccountTokenCreator",
                   "members": ["serviceAccount:deploy@acme-prod.iam.gserviceaccount.com"]})


def _gar_outputs(token: str) -> dict:
    return {
        "registries": {"gcp": {"kind": "artifact-registry", "loginServer": "europe-west1-docker.pkg.dev",
                               "identities": [{"name": "push", "access": "push", "type": "gcp-service-account", "id": SA_EMAIL}]}},
        "registryCredentials": {"gcp": {"password": token}},
    }


def test_a_google_token_of_the_stacks_own_ci_service_account_is_not_a_deployer_token():
    """Artifact Registry's opt-in token is minted by impersonating the CI service account: accepted only
    where that account is declared by the stack AND made impersonable there (token creator binding)."""
    rule = POLICIES["no-deployer-token-in-outputs"]
    token = "ya29." + "b" * 40
    assert check_stack(rule, _stack(_gar_outputs(token), SERVICE_ACCOUNT, TOKEN_CREATORS)) == []
    # Without the binding nobody could mint that account's token: the token is someone else's.
    assert len(check_stack(rule, _stack(_gar_outputs(token), SERVICE_ACCOUNT))) == 1
    # The same token anywhere else in the outputs is still flagged.
    elsewhere = {**_gar_outputs(token), "debug": {"token": token}}
    assert len(check_stack(rule, _stack(elsewhere, SERVICE_ACCOUNT, TOKEN_CREATORS))) == 1


# --- Harbor -------------------------------------------------------------------------------------


def test_harbor_provider_must_verify_tls():
    rule = POLICIES["harbor-provider-verifies-tls"]
    assert check(rule, "pulumi:providers:harbor", {"url": "https://h", "insecure": "false"}) == []
    assert len(check(rule, "pulumi:providers:harbor", {"url": "https://h", "insecure": "true"})) == 1
    # Not set at all: the SDK's own default is insecure.
    assert len(check(rule, "pulumi:providers:harbor", {"url": "https://h"})) == 1


def test_harbor_projects_are_private_and_scan_unless_exempted():
    private = POLICIES["harbor-project-private"]
    assert check(private, "harbor:index/project:Project", {"name": "team", "public": False}) == []
    assert len(check(private, "harbor:index/project:Project", {"name": "team", "public": True})) == 1
    assert check(private, "harbor:index/project:Project", {"name": "sandbox", "public": True},
                 config={"exemptions": ["sandbox"]}) == []
    scans = POLICIES["harbor-project-scan-on-push"]
    assert check(scans, "harbor:index/project:Project", {"name": "team", "vulnerabilityScanning": True}) == []
    assert len(check(scans, "harbor:index/project:Project", {"name": "team", "vulnerabilityScanning": False})) == 1


def test_harbor_robots_expire_unless_exempted():
    rule = POLICIES["harbor-robot-expires"]
    assert check(rule, "harbor:index/robotAccount:RobotAccount", {"name": "ci", "duration": 30}) == []
    assert len(check(rule, "harbor:index/robotAccount:RobotAccount", {"name": "ci", "duration": -1})) == 1
    assert len(check(rule, "harbor:index/robotAccount:RobotAccount", {"name": "ci"})) == 1  # provider default: never
    assert check(rule, "harbor:index/robotAccount:RobotAccount", {"name": "ci", "duration": -1}, name="sandbox-ci",
                 config={"exemptions": ["sandbox-*"]}) == []


def test_a_google_token_inside_a_docker_config_is_seen_too():
    rule = POLICIES["no-deployer-token-in-outputs"]
    token = "ya29." + "c" * 40
    docker = json.dumps({"auths": {"europe-west1-docker.pkg.dev": {
        "auth": base64.b64encode(f"oauth2accesstoken:{token}".encode()).decode()}}})
    outputs = {**_gar_outputs(token), "dockerConfigJson": docker}
    # The stack's own impersonable CI account: its token may log in to its registry.
    assert check_stack(rule, _stack(outputs, SERVICE_ACCOUNT, TOKEN_CREATORS)) == []
    # Anyone else's token in a docker config is flagged, base64 or not.
    found = check_stack(rule, _stack({"dockerConfigJson": docker}))
    assert len(found) == 1 and "logs in to europe-west1-docker.pkg.dev" in found[0][0]
