"""Pull-through caches under mocks: validation per target, then each target's resources, names, secret
wiring, grants and outputs."""

from __future__ import annotations

import json

import pytest
import yaml
from cryptography import x509

from registry_platform.settings import SettingsError, load_stack_settings
from tests.support.mocks import ACCOUNT_ID, CREDENTIAL_SET_PRINCIPAL_ID, GCP_PROJECT_NUMBER, SUBSCRIPTION_ID

SECRET_KEYS = ["registry-platform:pullThroughCaches"]
CONTAINER = "docker:index/container:Container"
TOKEN = "dckr_pat_0123456789abcdef"

SELF_HOSTED = {"users": [{"name": "admin"}]}
AWS = {
    "region": "eu-west-1",
    "repositories": [{"name": "team/api"}],
    "ciRoles": [
        {"name": "pull", "access": "pull", "trustedPrincipals": ["210987654321"]},
        {"name": "push", "access": "push", "trustedPrincipals": ["210987654321"]},
    ],
}
AZURE = {"name": "acmeprod01", "resourceGroup": {"name": "rg-registry", "create": True}, "location": "westeurope"}
GCP = {
    "location": "europe-west1",
    "project": "acme-prod",
    "repositories": [{"repositoryId": "team-images"}],
    "ciServiceAccounts": [
        {"name": "pull", "access": "pull", "impersonators": ["user:ops@acme.example"]},
        {"name": "scoped", "access": "pull", "repositories": ["team-images"], "impersonators": ["user:ops@acme.example"]},
    ],
}
DOCKER_HUB = {
    "name": "docker-hub",
    "upstream": "docker-hub",
    "credentials": {"username": "acmebot", "token": TOKEN},
    "selfHosted": {"port": 5001, "users": [{"name": "puller"}]},
}


def problems(config: dict) -> dict[str, str]:
    with pytest.raises(SettingsError) as caught:
        load_stack_settings(config)
    found: dict[str, str] = {}
    for problem in caught.value.problems:
        found[problem.path] = f"{found[problem.path]} | {problem.message}" if problem.path in found else problem.message
    return found


# --- validation ---------------------------------------------------------------------------------


def test_every_invalid_combination_is_reported_at_once_with_its_path():
    found = problems({
        "selfHosted": SELF_HOSTED,
        "aws": AWS,
        "azure": AZURE,
        "pullThroughCaches": [
            {"name": "docker-hub", "upstream": "docker-hub", "selfHosted": {"port": 5000}, "ttl": "36h", "prefix": "hub"},
            {"name": "gitea", "upstream": "https://git.example.com", "targets": ["aws", "azure", "gcp"], "selfHosted": {"port": 5002}},
            {"name": "ghcr-io", "upstream": "ghcr", "targets": ["selfHosted"], "credentials": {"username": "bot", "token": TOKEN}, "selfHosted": {"port": 5003}},
        ],
    })
    assert "already taken by `selfHosted.port`" in found["pullThroughCaches[0].selfHosted.port"]
    assert "ECR caches docker-hub only with credentials" in found["pullThroughCaches[0].credentials"]
    assert "ttl" in found["pullThroughCaches[0].ttl"] or "expire" in found["pullThroughCaches[0].ttl"]
    assert "no prefix" in found["pullThroughCaches[0].prefix"]
    assert "ECR cannot cache 'git.example.com'" in found["pullThroughCaches[1].upstream"]
    assert "the stack has no `gcp` registry" in found["pullThroughCaches[1].targets[2]"]
    assert "does not target selfHosted" in found["pullThroughCaches[1].selfHosted"]
    assert "add pull users" in found["pullThroughCaches[2].selfHosted.users"]


def test_ttl_and_credentials_rules_per_target():
    found = problems({
        "selfHosted": SELF_HOSTED,
        "azure": AZURE,
        "pullThroughCaches": [
            {"name": "docker-hub", "upstream": "docker-hub", "targets": ["azure"]},
            {"name": "quay-cache", "upstream": "quay", "ttl": "48h", "selfHosted": {"port": 5001}},
        ],
    })
    assert "EnforceDockerAuthentication" in found["pullThroughCaches[0].credentials"]
    assert "ACR cache rules have no expiry" in found["pullThroughCaches[1].ttl"]
    # The default image is 2.8: its TTL is a fixed 168h, and proxy.ttl needs registry:3.
    found = problems({"selfHosted": SELF_HOSTED, "pullThroughCaches": [{"name": "quay", "upstream": "quay", "ttl": "48h", "selfHosted": {"port": 5001}}]})
    assert "fixed 168h" in found["pullThroughCaches[0].ttl"]
    settings = load_stack_settings({
        "selfHosted": {**SELF_HOSTED, "image": "registry:3.0.0"},
        "pullThroughCaches": [{"name": "quay", "upstream": "quay", "ttl": "48h", "selfHosted": {"port": 5001}}],
    })
    assert settings.pull_through_caches[0].ttl == "48h"


def test_a_mirror_is_read_only_and_names_follow_each_target():
    found = problems({
        "selfHosted": SELF_HOSTED,
        "azure": AZURE,
        "gcp": GCP,
        "pullThroughCaches": [
            {"name": "hub", "upstream": "quay", "selfHosted": {"port": 5001, "users": [{"name": "ci", "access": "push"}]}},
        ],
    })
    assert "read-only" in found["pullThroughCaches[0].selfHosted.users[0].access"]
    found = problems({
        "azure": AZURE,
        "gcp": {"location": "europe-west1", "repositories": [{"repositoryId": "quay"}]},
        "pullThroughCaches": [{"name": "quay", "upstream": "quay"}],
    })
    assert "ACR cache rule name" in found["pullThroughCaches[0].name"]
    found = problems({"gcp": {"location": "europe-west1", "repositories": [{"repositoryId": "quay-io"}]}, "pullThroughCaches": [{"name": "quay-io", "upstream": "quay"}]})
    assert "already a repository" in found["pullThroughCaches[0].name"]


def test_two_caches_cannot_share_a_prefix_on_one_target():
    found = problems({
        "aws": AWS,
        "pullThroughCaches": [
            {"name": "registry-k8s", "upstream": "k8s"},
            {"name": "ecr-public", "upstream": "ecr-public", "prefix": "registry-k8s"},
        ],
    })
    assert "aws already caches entry [0] under 'registry-k8s'" in found["pullThroughCaches[1].prefix"]


def test_the_ecr_scanning_rules_of_the_stack_must_cover_a_cache():
    aws = {**AWS, "registrySettings": {"scanning": {"rules": [{"filters": ["team/*"]}]}}}
    found = problems({"aws": aws, "pullThroughCaches": [{"name": "registry-k8s", "upstream": "k8s"}]})
    assert "registry-k8s/*" in found["pullThroughCaches[0].name"]


def test_a_plain_text_token_is_refused(run_stack):
    run = run_stack({"selfHosted": SELF_HOSTED, "pullThroughCaches": [DOCKER_HUB]}, expect_error=True)
    assert "pullThroughCaches[0].credentials.token: is a secret but is stored in plain text" in str(run.error)
    assert TOKEN not in str(run.error)


# --- self-hosted mirror -----------------------------------------------------------------------


@pytest.fixture
def mirror_run(run_stack):
    return run_stack({"selfHosted": {**SELF_HOSTED, "container": {"log": {}}}, "pullThroughCaches": [DOCKER_HUB]}, secret_keys=SECRET_KEYS)


def _container(run, name):
    return next(r for r in run.of_type(CONTAINER) if r.name == name)


def test_the_mirror_container_is_hardened_like_the_registry(mirror_run):
    registry = _container(mirror_run, "self-hosted-container").inputs
    mirror = _container(mirror_run, "mirror-docker-hub-container").inputs
    for key in ("entrypoints", "command", "envs", "restart", "mustRun", "healthcheck", "capabilities", "securityOpts", "logDriver", "logOpts"):
        assert mirror.get(key) == registry.get(key), key
    assert mirror["name"] == "registry-platform-dev-mirror-docker-hub"
    assert mirror["ports"] == [{"internal": 5000.0, "external": 5001.0, "ip": "127.0.0.1", "protocol": "tcp"}] or (
        mirror["ports"][0]["external"] == 5001 and mirror["ports"][0]["ip"] == "127.0.0.1" and len(mirror["ports"]) == 1
    )
    volumes = {r.name: r.inputs for r in mirror_run.of_type("docker:index/volume:Volume")}
    assert volumes["mirror-docker-hub-data"]["name"] == "registry-platform-dev-mirror-docker-hub-data"
    assert mirror["volumes"][0]["volumeName"] == "registry-platform-dev-mirror-docker-hub-data"


def test_the_mirror_config_proxies_with_secret_credentials_and_delete_on(mirror_run):
    mirror = _container(mirror_run, "mirror-docker-hub-container")
    files = {u["file"]: u["content"] for u in mirror.inputs["uploads"]}
    config = yaml.safe_load(files["/etc/docker/registry/config.yml"])
    assert config["proxy"] == {"remoteurl": "https://registry-1.docker.io", "username": "acmebot", "password": TOKEN}
    assert config["storage"]["delete"] == {"enabled": True}
    assert config["auth"]["htpasswd"]["path"] == "/etc/docker/registry/auth/htpasswd"
    assert files["/etc/docker/registry/auth/htpasswd"].startswith("puller:$2b$")
    assert "uploads" in mirror.secret_inputs
    registry = _container(mirror_run, "self-hosted-container")
    assert json.dumps(registry.inputs).count(TOKEN) == 0


def test_the_mirror_certificate_comes_from_the_registry_ca(mirror_run):
    ca_pem = mirror_run.exports["registries"].value["selfHosted"]["caCertificatePem"]
    mirror = _container(mirror_run, "mirror-docker-hub-container")
    registry = _container(mirror_run, "self-hosted-container")
    certificate = {u["file"]: u["content"] for u in mirror.inputs["uploads"]}["/etc/docker/registry/tls/server.crt"]
    registry_certificate = {u["file"]: u["content"] for u in registry.inputs["uploads"]}["/etc/docker/registry/tls/server.crt"]
    assert certificate != registry_certificate  # its own key and certificate...
    ca = x509.load_pem_x509_certificate(ca_pem.encode())
    x509.load_pem_x509_certificate(certificate.encode()).verify_directly_issued_by(ca)  # ...from the same CA


def test_mirror_outputs(mirror_run):
    caches = mirror_run.exports["pullThroughCaches"]
    assert not caches.secret
    entry = caches.value["docker-hub"]["selfHosted"]
    assert entry["pullPrefix"] == "localhost:5001" and entry["users"] == ["puller"]
    passwords = mirror_run.exports["pullThroughCacheUserPasswords"]
    assert passwords.secret and set(passwords.value["docker-hub"]) == {"puller"}
    assert "pullThroughCaches" not in mirror_run.exports["registries"].value


# --- ECR ----------------------------------------------------------------------------------------


@pytest.fixture
def cloud_run(run_stack):
    config = {
        "aws": AWS,
        "azure": AZURE,
        "gcp": GCP,
        "pullThroughCaches": [
            {**{k: v for k, v in DOCKER_HUB.items() if k != "selfHosted"}, "targets": ["aws", "azure", "gcp"]},
            {"name": "registry-k8s", "upstream": "k8s", "targets": ["aws"], "ttl": "720h", "aws": {"tagMutability": "MUTABLE"}},
            {"name": "quay-io", "upstream": "quay", "targets": ["azure", "gcp"]},
        ],
    }
    return run_stack(config, secret_keys=SECRET_KEYS)


def test_ecr_secret_rule_and_template(cloud_run):
    secret = cloud_run.one("aws:secretsmanager/secret:Secret").inputs
    assert secret["name"] == "ecr-pullthroughcache/docker-hub"
    version = cloud_run.one("aws:secretsmanager/secretVersion:SecretVersion")
    assert json.loads(version.inputs["secretString"]) == {"username": "acmebot", "accessToken": TOKEN}
    assert "secretString" in version.secret_inputs
    rules = {r.inputs["ecrRepositoryPrefix"]: r.inputs for r in cloud_run.of_type("aws:ecr/pullThroughCacheRule:PullThroughCacheRule")}
    assert rules["docker-hub"]["upstreamRegistryUrl"] == "registry-1.docker.io"
    assert rules["docker-hub"]["credentialArn"].startswith(f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT_ID}:secret:ecr-pullthroughcache/docker-hub")
    assert rules["registry-k8s"]["upstreamRegistryUrl"] == "registry.k8s.io" and "credentialArn" not in rules["registry-k8s"]
    templates = {t.inputs["prefix"]: t.inputs for t in cloud_run.of_type("aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate")}
    assert templates["docker-hub"]["appliedFors"] == ["PULL_THROUGH_CACHE"]
    assert templates["docker-hub"]["imageTagMutability"] == "IMMUTABLE"
    assert templates["docker-hub"]["encryptionConfigurations"] == [{"encryptionType": "AES256"}]
    assert "lifecyclePolicy" not in templates["docker-hub"] and "resourceTags" not in templates["docker-hub"]
    lifecycle = json.loads(templates["registry-k8s"]["lifecyclePolicy"])
    assert lifecycle["rules"] == [{
        "rulePriority": 1,
        "description": "Expire cached images 30 days after they were cached (ttl 720h)",
        "selection": {"tagStatus": "any", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 30},
        "action": {"type": "expire"},
    }]
    assert templates["registry-k8s"]["imageTagMutability"] == "MUTABLE"


def test_every_ci_role_may_pull_through_the_caches(cloud_run):
    policies = {p.name: json.loads(p.inputs["policy"]) for p in cloud_run.of_type("aws:iam/rolePolicy:RolePolicy")}
    for role in ("pull", "push"):
        statement = policies[f"aws-ci-{role}-pull-through-caches"]["Statement"][0]
        assert {"ecr:BatchImportUpstreamImage", "ecr:CreateRepository", "ecr:BatchGetImage"} <= set(statement["Action"])
        assert statement["Resource"] == [
            f"arn:aws:ecr:eu-west-1:{ACCOUNT_ID}:repository/docker-hub/*",
            f"arn:aws:ecr:eu-west-1:{ACCOUNT_ID}:repository/registry-k8s/*",
        ]
        assert "ecr:PutImage" not in statement["Action"]


# --- ACR ----------------------------------------------------------------------------------------


def test_acr_credential_set_reads_its_key_vault_secrets(cloud_run):
    vault = cloud_run.one("azure-native:keyvault:Vault").inputs
    assert vault["properties"]["enableRbacAuthorization"] is True
    secrets = {s.inputs["secretName"]: s for s in cloud_run.of_type("azure-native:keyvault:Secret")}
    assert set(secrets) == {"acr-cache-docker-hub-username", "acr-cache-docker-hub-token"}
    assert secrets["acr-cache-docker-hub-token"].inputs["properties"]["value"] == TOKEN
    assert "properties" in secrets["acr-cache-docker-hub-token"].secret_inputs
    credential_set = cloud_run.one("azure-native:containerregistry:CredentialSet").inputs
    assert credential_set["loginServer"] == "docker.io" and credential_set["identity"] == {"type": "SystemAssigned"}
    vault_name = vault["vaultName"]
    assert credential_set["authCredentials"] == [{
        "name": "Credential1",
        "usernameSecretIdentifier": f"https://{vault_name}.vault.azure.net/secrets/acr-cache-docker-hub-username",
        "passwordSecretIdentifier": f"https://{vault_name}.vault.azure.net/secrets/acr-cache-docker-hub-token",
    }]
    grants = [r.inputs for r in cloud_run.of_type("azure-native:authorization:RoleAssignment")]
    assert {g["scope"].rsplit("/", 1)[-1] for g in grants} == set(secrets)
    for grant in grants:
        assert grant["principalId"] == CREDENTIAL_SET_PRINCIPAL_ID
        assert grant["roleDefinitionId"] == f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6"
    rules = {r.inputs["cacheRuleName"]: r.inputs for r in cloud_run.of_type("azure-native:containerregistry:CacheRule")}
    assert rules["docker-hub"]["sourceRepository"] == "docker.io/*" and rules["docker-hub"]["targetRepository"] == "docker-hub/*"
    assert rules["docker-hub"]["credentialSetResourceId"].endswith("/credentialSets/docker-hub")
    assert rules["quay-io"]["sourceRepository"] == "quay.io/*" and "credentialSetResourceId" not in rules["quay-io"]


def test_acr_with_an_existing_access_policy_vault(run_stack):
    vault_id = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-secrets/providers/Microsoft.KeyVault/vaults/acme-secrets"
    cache = {
        **{k: v for k, v in DOCKER_HUB.items() if k != "selfHosted"},
        "azure": {"keyVault": {"id": vault_id, "permissionModel": "accessPolicy"}},
    }
    run = run_stack({"azure": AZURE, "pullThroughCaches": [cache]}, secret_keys=SECRET_KEYS)
    assert run.of_type("azure-native:keyvault:Vault") == []
    assert {s.inputs["vaultName"] for s in run.of_type("azure-native:keyvault:Secret")} == {"acme-secrets"}
    assert {s.inputs["resourceGroupName"] for s in run.of_type("azure-native:keyvault:Secret")} == {"rg-secrets"}
    policy = run.one("azure-native:keyvault:AccessPolicy").inputs
    assert policy["vaultName"] == "acme-secrets" and policy["policy"]["objectId"] == CREDENTIAL_SET_PRINCIPAL_ID
    assert policy["policy"]["permissions"] == {"secrets": ["get"]}
    assert run.of_type("azure-native:authorization:RoleAssignment") == []


# --- Artifact Registry --------------------------------------------------------------------------


def test_gar_remote_repositories_secret_and_service_agent(cloud_run):
    repositories = {r.inputs["repositoryId"]: r.inputs for r in cloud_run.of_type("gcp:artifactregistry/repository:Repository")}
    hub = repositories["docker-hub"]
    assert hub["mode"] == "REMOTE_REPOSITORY" and hub["format"] == "DOCKER"
    remote = hub["remoteRepositoryConfig"]
    assert remote["dockerRepository"] == {"publicRepository": "DOCKER_HUB"}
    credentials = remote["upstreamCredentials"]["usernamePasswordCredentials"]
    assert credentials == {"username": "acmebot", "passwordSecretVersion": f"projects/{GCP_PROJECT_NUMBER}/secrets/docker-hub-upstream-token/versions/1"}
    assert repositories["quay-io"]["remoteRepositoryConfig"]["commonRepository"] == {"uri": "https://quay.io"}
    assert "upstreamCredentials" not in repositories["quay-io"]["remoteRepositoryConfig"]
    version = cloud_run.one("gcp:secretmanager/secretVersion:SecretVersion")
    assert version.inputs["secretData"] == TOKEN and "secretData" in version.secret_inputs
    grant = cloud_run.one("gcp:secretmanager/secretIamMember:SecretIamMember").inputs
    assert grant["role"] == "roles/secretmanager.secretAccessor"
    assert grant["member"] == f"serviceAccount:service-{GCP_PROJECT_NUMBER}@gcp-sa-artifactregistry.iam.gserviceaccount.com"
    assert grant["secretId"] == "docker-hub-upstream-token"
    readers = [r for r in cloud_run.of_type("gcp:artifactregistry/repositoryIamMember:RepositoryIamMember") if r.name.startswith("gcp-cache-")]
    assert {r.name for r in readers} == {"gcp-cache-docker-hub-reader-pull", "gcp-cache-quay-io-reader-pull"}


def test_cloud_outputs(cloud_run):
    caches = cloud_run.exports["pullThroughCaches"].value
    assert caches["docker-hub"]["aws"]["pullPrefix"] == f"{ACCOUNT_ID}.dkr.ecr.eu-west-1.amazonaws.com/docker-hub"
    assert caches["docker-hub"]["azure"]["pullPrefix"] == "acmeprod01.azurecr.io/docker-hub"
    assert caches["docker-hub"]["gcp"]["pullPrefix"] == "europe-west1-docker.pkg.dev/acme-prod/docker-hub"
    assert set(caches["registry-k8s"]) == {"aws"} and set(caches["quay-io"]) == {"azure", "gcp"}
    assert TOKEN not in json.dumps(caches)
    assert "pullThroughCacheUserPasswords" not in cloud_run.exports


# --- Harbor -------------------------------------------------------------------------------------

HARBOR = {"url": "https://harbor.example.com", "username": "admin", "password": "harbor-admin-password",
          "projects": [{"name": "platform"}]}


def test_harbor_caches_become_proxy_cache_projects(run_stack):
    run = run_stack(
        {"harbor": HARBOR, "pullThroughCaches": [
            {"name": "docker-hub", "upstream": "docker-hub", "credentials": {"username": "acmebot", "token": TOKEN},
             "targets": ["harbor"], "prefix": "hub"},
            {"name": "k8s", "upstream": "k8s", "targets": ["harbor"]},
        ]},
        secret_keys=["registry-platform:harbor", *SECRET_KEYS],
    )
    registries = {r.name: r for r in run.of_type("harbor:index/registry:Registry")}
    projects = {r.name: r for r in run.of_type("harbor:index/project:Project")}
    hub, k8s = registries["harbor-cache-docker-hub-upstream"], registries["harbor-cache-k8s-upstream"]
    assert (hub.inputs["providerName"], hub.inputs["name"], hub.inputs["accessId"]) == ("docker-hub", "hub", "acmebot")
    assert hub.inputs["accessSecret"] == TOKEN and "accessSecret" in hub.secret_inputs
    assert (k8s.inputs["providerName"], k8s.inputs["endpointUrl"]) == ("docker-registry", "https://registry.k8s.io")
    assert "accessId" not in k8s.inputs
    for name, registry in (("harbor-cache-docker-hub", hub), ("harbor-cache-k8s", k8s)):
        project = projects[name]
        assert project.inputs["registryId"] == registry.outputs["registryId"] and project.inputs["public"] is False
        # Every Harbor resource goes through the stack's explicit Harbor provider.
        assert project.request.provider.startswith(run.one("pulumi:providers:harbor").urn)
    assert run.exports["pullThroughCaches"].value == {
        "docker-hub": {"harbor": {"pullPrefix": "harbor.example.com/hub", "project": "hub", "projectId": "harbor-cache-docker-hub-id"}},
        "k8s": {"harbor": {"pullPrefix": "harbor.example.com/k8s", "project": "k8s", "projectId": "harbor-cache-k8s-id"}},
    }


def test_a_harbor_cache_needs_a_free_valid_project_name():
    found = problems({"harbor": HARBOR, "pullThroughCaches": [
        {"name": "k8s", "upstream": "k8s", "targets": ["harbor"], "prefix": "platform"},
        {"name": "quay", "upstream": "quay", "targets": ["harbor"], "prefix": "team/quay"},
        {"name": "ghcr", "upstream": "ghcr", "targets": ["harbor"], "ttl": "168h"},
    ]})
    assert "already a project in harbor.projects" in found["pullThroughCaches[0].prefix"]
    assert "the cache's Harbor project" in found["pullThroughCaches[1].prefix"]
    assert "harbor cannot expire cached images" in found["pullThroughCaches[2].ttl"]


def test_a_mirror_inherits_nothing_but_the_listed_settings(run_stack):
    """The registry's object storage, Redis, notifications, token auth and published debug port stay
    the registry's: a mirror must not share its bucket or cache, post its events, or expose /debug."""
    registry = {
        "users": [{"name": "admin", "role": "admin"}], "auth": "token",
        "storage": {"s3": {"bucket": "images", "region": "eu-west-1"}},
        "redis": {"address": "redis.internal:6379"},
        "notifications": {"endpoints": [{"name": "audit", "url": "https://events.example.com/registry"}]},
        "debug": {"publish": True, "hostPort": 5901, "prometheus": True},
    }
    run = run_stack({"selfHosted": registry, "pullThroughCaches": [{"name": "docker-hub", "upstream": "docker-hub", "selfHosted": {"port": 5011}}]})
    mirror = _container(run, "mirror-docker-hub-container")
    config = yaml.safe_load(next(u["content"] for u in mirror.inputs["uploads"] if u["file"].endswith("config.yml")))
    assert "filesystem" in config["storage"] and "s3" not in config["storage"]
    assert "redis" not in config and "notifications" not in config and "auth" not in config
    assert config["storage"].get("cache", {}).get("blobdescriptor") != "redis"
    assert config["http"]["debug"]["addr"].startswith("127.0.0.1:")
    assert [p["external"] for p in mirror.inputs["ports"]] == [5011]
    assert config["proxy"]["remoteurl"] == "https://registry-1.docker.io"


@pytest.mark.parametrize(
    ("upstream", "fragment"),
    [
        ("https://:s3cret@registry.example.com", "without user info: put credentials in `credentials`"),
        ("https://bot:s3cret@registry.example.com", "without user info"),
        ("https://registry.example.com:99999", "has no valid port"),
    ],
)
def test_an_upstream_url_carries_no_credentials_and_a_valid_port(upstream, fragment):
    found = problems({"aws": AWS, "pullThroughCaches": [{"name": "custom", "upstream": upstream, "targets": ["aws"]}]})
    message = found["pullThroughCaches[0].upstream"]
    assert fragment in message and "s3cret" not in message
