"""HarborRegistry and HarborProject under mocks with the real pulumiverse-harbor SDK classes
(a wrong argument name fails in the SDK itself): provider inputs, every feature, secrets, outputs."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import pulumi
import pytest

from registry_platform.harbor import registry as harbor_registry
from tests.support.harness import ROOT, run_under_mocks
from tests.unit.test_stack_files import DECRYPTED_TEXT, stack_file_config, stack_file_secret_keys

PROVIDER = "pulumi:providers:harbor"
PROJECT = "harbor:index/project:Project"
ROBOT = "harbor:index/robotAccount:RobotAccount"
REGISTRY = "harbor:index/registry:Registry"
RETENTION = "harbor:index/retentionPolicy:RetentionPolicy"
IMMUTABLE = "harbor:index/immutableTagRule:ImmutableTagRule"
WEBHOOK = "harbor:index/projectWebhook:ProjectWebhook"
MEMBER_USER = "harbor:index/projectMemberUser:ProjectMemberUser"
MEMBER_GROUP = "harbor:index/projectMemberGroup:ProjectMemberGroup"
GC = "harbor:index/garbageCollection:GarbageCollection"
SCAN_ALL = "harbor:index/interrogationServices:InterrogationServices"
PURGE = "harbor:index/purgeAuditLog:PurgeAuditLog"
PASSWORD = "RandomPassword"
HARBOR = "registry-platform:harbor:HarborRegistry"
HARBOR_PROJECT = "registry-platform:harbor:HarborProject"
SECRET_KEYS = ["registry-platform:harbor"]
ADMIN_PASSWORD = "Admin-Passw0rd-not-for-outputs"


def harbor(**section):
    return {"harbor": {"url": "https://harbor.example.com", "username": "admin", "password": ADMIN_PASSWORD, **section}}


def one_project(**project):
    return harbor(projects=[{"name": "team", **project}])


@pytest.fixture
def run_harbor(run_stack):
    def run(config, **kw):
        return run_stack(config, secret_keys=SECRET_KEYS, **kw)
    return run


def provider_of(run, registration):
    """The provider reference a resource was registered with (`urn::id`)."""
    return registration.request.provider


# Connection: an explicit provider with exactly what config says.


def test_the_provider_gets_exactly_the_config_and_verifies_tls(run_harbor):
    run = run_harbor(one_project())
    provider = run.one(PROVIDER)
    assert provider.name == "harbor-provider"
    assert provider.inputs == {
        "url": "https://harbor.example.com",
        "username": "admin",
        "password": ADMIN_PASSWORD,
        "insecure": "false",          # the provider's own default is true
        "robotPrefix": "robot$",      # else robot reads call an admin-only config API
        "apiVersion": "2",
    }
    assert provider.secret_inputs == {"password"}
    assert run.parent_of(provider).type == HARBOR


def test_every_harbor_resource_goes_through_the_explicit_provider(run_harbor):
    run = run_harbor(stack_file_config(ROOT / "Pulumi.harbor.yaml"))
    provider = run.one(PROVIDER)
    reference = f"{provider.urn}::{provider.name}-id"
    harbor_resources = [r for r in run.resources if r.type.startswith("harbor:")]
    assert len(harbor_resources) > 15
    assert {provider_of(run, r) for r in harbor_resources} == {reference}


def test_ambient_harbor_environment_is_never_read(run_harbor, monkeypatch):
    monkeypatch.setenv("HARBOR_URL", "https://other.example.com")
    monkeypatch.setenv("HARBOR_USERNAME", "someone")
    monkeypatch.setenv("HARBOR_PASSWORD", "from-the-environment")
    monkeypatch.setenv("HARBOR_IGNORE_CERT", "true")
    inputs = run_harbor(one_project()).one(PROVIDER).inputs
    assert inputs["url"] == "https://harbor.example.com" and inputs["username"] == "admin"
    assert inputs["password"] == ADMIN_PASSWORD and inputs["insecure"] == "false"


def test_insecure_only_when_explicit_and_then_loudly(run_harbor, monkeypatch):
    warnings = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *a, **kw: warnings.append(message))
    assert run_harbor(one_project()).one(PROVIDER).inputs["insecure"] == "false"
    assert warnings == []
    run = run_harbor(harbor(insecure=True, robotPrefix="harbor@", projects=[{"name": "team"}]))
    assert run.one(PROVIDER).inputs["insecure"] == "true"
    assert run.one(PROVIDER).inputs["robotPrefix"] == "harbor@"
    assert warnings == [harbor_registry.INSECURE_WARNING]


def test_the_admin_password_never_reaches_an_output(run_harbor):
    run = run_harbor(stack_file_config(ROOT / "Pulumi.harbor.yaml"))
    everything = json.dumps({name: export.value for name, export in run.exports.items()})
    assert ADMIN_PASSWORD not in everything and DECRYPTED_TEXT not in everything.replace("robot$", "")


# Projects.


def test_a_minimal_project_is_private_and_scanned_with_nothing_else(run_harbor):
    run = run_harbor(one_project())
    project = run.one(PROJECT)
    assert project.name == "harbor-team"
    assert project.inputs == {
        "name": "team",
        "public": False,
        "vulnerabilityScanning": True,
        "enableContentTrust": False,
        "enableContentTrustCosign": False,
        "autoSbomGeneration": False,
        "forceDestroy": False,
    }
    for kind in (ROBOT, REGISTRY, RETENTION, IMMUTABLE, WEBHOOK, MEMBER_USER, MEMBER_GROUP, GC, SCAN_ALL, PURGE):
        assert not run.of_type(kind), kind
    component = run.parent_of(project)
    assert component.type == HARBOR_PROJECT and run.parent_of(component).type == HARBOR


def test_project_settings_reach_the_project(run_harbor):
    run = run_harbor(one_project(public=True, storageQuotaGb=50, vulnerabilityScanning=False, preventVulnerable="high",
                                 cveAllowlist=["CVE-2024-3094"], contentTrust="cosign", autoSbomGeneration=True,
                                 forceDestroy=True))
    inputs = run.one(PROJECT).inputs
    assert inputs["public"] is True and inputs["storageQuota"] == 50 and inputs["vulnerabilityScanning"] is False
    assert inputs["deploymentSecurity"] == "high" and inputs["cveAllowlists"] == ["CVE-2024-3094"]
    assert inputs["enableContentTrustCosign"] is True and inputs["enableContentTrust"] is False
    assert inputs["autoSbomGeneration"] is True and inputs["forceDestroy"] is True
    notary = run_harbor(one_project(contentTrust="notary")).one(PROJECT).inputs
    assert notary["enableContentTrust"] is True and notary["enableContentTrustCosign"] is False


def test_retention_rules_become_one_provider_template_each(run_harbor):
    run = run_harbor(one_project(retention={"schedule": "0 0 3 * * *", "rules": [
        {"keepLastPushed": 10, "tags": {"matching": "v*"}},
        {"keepLastPulled": 5, "repositories": {"excluding": "tmp/**"}},
        {"keepPushedWithinDays": 7, "untagged": False, "disabled": True},
        {"keepPulledWithinDays": 30, "tags": {"excluding": "{dev,test}-*"}},
        {"keepAlways": True, "repositories": {"matching": "base/**"}},
    ]}))
    retention = run.one(RETENTION)
    assert retention.inputs["scope"] == run.one(PROJECT).name + "-id"
    assert retention.inputs["schedule"] == "0 0 3 * * *"
    assert retention.inputs["rules"] == [
        {"mostRecentlyPushed": 10, "repoMatching": "**", "tagMatching": "v*", "untaggedArtifacts": True, "disabled": False},
        {"mostRecentlyPulled": 5, "repoExcluding": "tmp/**", "tagMatching": "**", "untaggedArtifacts": True, "disabled": False},
        {"nDaysSinceLastPush": 7, "repoMatching": "**", "tagMatching": "**", "untaggedArtifacts": False, "disabled": True},
        {"nDaysSinceLastPull": 30, "repoMatching": "**", "tagExcluding": "{dev,test}-*", "untaggedArtifacts": True, "disabled": False},
        {"alwaysRetain": True, "repoMatching": "base/**", "tagMatching": "**", "untaggedArtifacts": True, "disabled": False},
    ]
    manual = run_harbor(one_project(retention={"rules": [{"keepLastPushed": 3}]})).one(RETENTION)
    assert "schedule" not in manual.inputs


def test_immutable_tag_rules(run_harbor):
    run = run_harbor(one_project(immutableTags=[
        {"tags": {"matching": "v*"}},
        {"repositories": {"excluding": "sandbox/**"}, "tags": {"excluding": "latest"}, "disabled": True},
    ]))
    rules = {r.name: r.inputs for r in run.of_type(IMMUTABLE)}
    assert rules == {
        "harbor-team-immutable-0": {"projectId": "harbor-team-id", "repoMatching": "**", "tagMatching": "v*", "disabled": False},
        "harbor-team-immutable-1": {"projectId": "harbor-team-id", "repoExcluding": "sandbox/**", "tagExcluding": "latest", "disabled": True},
    }


def test_webhook_address_and_auth_header_are_secret(run_harbor):
    run = run_harbor(one_project(webhooks=[{"name": "ci", "address": "https://hooks.example.com/t0ken",
                                            "authHeader": "Bearer s3cret", "events": ["PUSH_ARTIFACT", "SCANNING_FAILED"]}]))
    webhook = run.one(WEBHOOK)
    assert webhook.inputs == {
        "projectId": "harbor-team-id",
        "name": "ci",
        "address": "https://hooks.example.com/t0ken",
        "authHeader": "Bearer s3cret",
        "notifyType": "http",
        "eventsTypes": ["PUSH_ARTIFACT", "SCANNING_FAILED"],
        "skipCertVerify": False,
        "enabled": True,
    }
    # pulumiverse-harbor marks neither secret; the component does, in the inputs and in the state.
    assert webhook.secret_inputs == {"address", "authHeader"}
    assert set(webhook.request.additionalSecretOutputs) >= {"address", "authHeader"}


def test_members_with_roles_as_the_provider_reads_them_back(run_harbor):
    run = run_harbor(one_project(members={
        "users": [{"name": "alice", "role": "maintainer"}, {"name": "bob", "role": "limitedguest"}],
        "groups": [{"name": "devs", "type": "oidc", "role": "developer"},
                   {"name": "ops", "type": "ldap", "role": "projectadmin", "ldapGroupDn": "cn=ops,dc=example,dc=com"}],
    }))
    users = {r.inputs["userName"]: r.inputs for r in run.of_type(MEMBER_USER)}
    assert users["alice"] == {"projectId": "harbor-team-id", "userName": "alice", "role": "master"}
    assert users["bob"]["role"] == "limitedguest"
    groups = {r.inputs["groupName"]: r.inputs for r in run.of_type(MEMBER_GROUP)}
    assert groups["devs"] == {"projectId": "harbor-team-id", "groupName": "devs", "type": "oidc", "role": "developer"}
    assert groups["ops"]["ldapGroupDn"] == "cn=ops,dc=example,dc=com" and groups["ops"]["role"] == "projectadmin"


# Robots: the CI credentials.


def test_project_robots_with_expiry_and_scoped_permissions(run_harbor):
    run = run_harbor(one_project(robots=[
        {"name": "ci", "access": "push", "durationDays": 90},
        {"name": "deploy", "neverExpires": True, "description": "deploys"},
    ]))
    robots = {r.inputs["name"]: r for r in run.of_type(ROBOT)}
    ci = robots["ci"].inputs
    assert ci["level"] == "project" and ci["duration"] == 90 and ci["disable"] is False
    assert ci["permissions"] == [{"kind": "project", "namespace": "team", "accesses": [
        {"resource": "repository", "action": "pull"}, {"resource": "repository", "action": "push"}]}]
    deploy = robots["deploy"].inputs
    assert deploy["duration"] == -1 and deploy["description"] == "deploys"
    assert deploy["permissions"][0]["accesses"] == [{"resource": "repository", "action": "pull"}]
    for robot in robots.values():
        assert robot.secret_inputs == {"secret"}
        assert run.parent_of(robot).type == HARBOR_PROJECT
        assert robot.request.dependencies, "a project robot waits for its project"


def test_a_generated_robot_secret_meets_harbors_rule_and_is_stable(run_harbor, stack_state):
    config = one_project(robots=[{"name": "ci", "durationDays": 30}])
    first = run_harbor(config, state=stack_state)
    second = run_harbor(config, state=stack_state)
    password = first.one("random:index/randomPassword:RandomPassword")
    assert password.inputs == {"length": 32, "special": False, "minUpper": 1, "minLower": 1, "minNumeric": 1}
    secret = first.one(ROBOT).inputs["secret"]
    assert secret == password.outputs["result"] == second.one(ROBOT).inputs["secret"]


def test_a_given_robot_secret_is_used_and_no_password_is_generated(run_harbor):
    run = run_harbor(one_project(robots=[{"name": "ci", "durationDays": 30, "secret": "Given-Secret-123"}]))
    assert run.one(ROBOT).inputs["secret"] == "Given-Secret-123"
    assert not run.of_type("random:index/randomPassword:RandomPassword")


def test_outputs_give_each_project_its_pull_prefix_and_robots_only_as_secrets(run_harbor):
    run = run_harbor(harbor(
        url="https://harbor.example.com:8443/",
        projects=[{"name": "team", "robots": [{"name": "ci", "access": "push", "durationDays": 90},
                                              {"name": "read", "durationDays": 9}]},
                  {"name": "other"}],
    ))
    details = run.exports["harbor"]
    assert not details.secret
    assert details.value["loginServer"] == "harbor.example.com:8443"
    assert details.value["projects"]["team"] == {"pullPrefix": "harbor.example.com:8443/team", "projectId": "harbor-team-id", "proxyCache": False}
    assert details.value["projects"]["other"]["pullPrefix"] == "harbor.example.com:8443/other"
    assert details.value["robots"] == {
        "team+ci": {"username": "robot$team+ci", "access": "push", "durationDays": 90},
        "team+read": {"username": "robot$team+read", "access": "pull", "durationDays": 9},
    }
    secrets = run.exports["harborRobotSecrets"]
    robots = {r.inputs["name"]: r.inputs["secret"] for r in run.of_type(ROBOT)}
    assert secrets.secret and secrets.value == {"team+ci": robots["ci"], "team+read": robots["read"]}

    public = run.exports["registries"].value["harbor"]
    assert public == {
        "kind": "harbor",
        "endpoint": "https://harbor.example.com:8443",
        "loginServer": "harbor.example.com:8443",
        "username": "robot$team+ci",
        "caCertificatePem": None,
        "passwordExpiresAt": None,
        "loginCommand": "docker login harbor.example.com:8443 --username 'robot$team+ci' --password-stdin",
        "credentialHelper": None,
        "identities": [
            {"name": "team+ci", "access": "push", "type": "harbor-robot", "id": "robot$team+ci"},
            {"name": "team+read", "access": "pull", "type": "harbor-robot", "id": "robot$team+read"},
        ],
    }
    credentials = run.exports["registryCredentials"]
    assert credentials.secret and credentials.value["harbor"]["password"] == robots["ci"]
    merged = json.loads(run.exports["dockerConfigJson"].value)
    auth = base64.b64decode(merged["auths"]["harbor.example.com:8443"]["auth"]).decode()
    assert auth == f"robot$team+ci:{robots['ci']}"


def test_the_docker_config_uses_a_push_robot_when_one_is_declared(run_harbor):
    run = run_harbor(harbor(projects=[
        {"name": "aa", "robots": [{"name": "read", "durationDays": 1}]},
        {"name": "bb", "robots": [{"name": "read", "durationDays": 1}, {"name": "write", "access": "push", "durationDays": 1}]},
    ]))
    assert run.exports["registries"].value["harbor"]["username"] == "robot$bb+write"
    only_pull = run_harbor(one_project(robots=[{"name": "read", "durationDays": 1}]))
    assert only_pull.exports["registries"].value["harbor"]["username"] == "robot$team+read"


def test_without_robots_there_is_no_credential_at_all(run_harbor):
    run = run_harbor(one_project())
    public = run.exports["registries"].value["harbor"]
    assert public["username"] is None and public["identities"] == []
    assert run.exports["registryCredentials"].value["harbor"]["password"] is None
    assert json.loads(run.exports["dockerConfigJson"].value) == {"auths": {"harbor.example.com": {}}}


def test_system_robots_span_their_projects_and_come_first(run_harbor):
    run = run_harbor(harbor(
        projects=[{"name": "aa", "robots": [{"name": "ci", "access": "push", "durationDays": 5}]}, {"name": "bb"}],
        proxyCaches=[{"name": "hub", "upstream": {"provider": "docker-hub"}}],
        robots=[{"name": "everything", "durationDays": 7}, {"name": "builder", "access": "push", "projects": ["aa", "bb"], "neverExpires": True}],
    ))
    robots = {r.inputs["name"]: r for r in run.of_type(ROBOT)}
    everything = robots["everything"]
    assert everything.inputs["level"] == "system" and everything.inputs["duration"] == 7
    assert [p["namespace"] for p in everything.inputs["permissions"]] == ["aa", "bb", "hub"]
    assert run.parent_of(everything).type == HARBOR
    builder = robots["builder"].inputs
    assert [p["namespace"] for p in builder["permissions"]] == ["aa", "bb"] and builder["duration"] == -1
    assert all(len(p["accesses"]) == 2 for p in builder["permissions"])
    assert run.exports["registries"].value["harbor"]["username"] == "robot$builder"
    assert list(run.exports["harbor"].value["robots"]) == ["everything", "builder", "aa+ci"]


# Proxy caches.


def test_a_proxy_cache_is_an_upstream_endpoint_and_a_project_pointing_at_it(run_harbor):
    run = run_harbor(harbor(proxyCaches=[
        {"name": "hub", "upstream": {"provider": "docker-hub", "username": "me", "password": "hub-t0ken"},
         "robots": [{"name": "pull", "durationDays": 30}]},
        {"name": "internal", "upstream": {"provider": "docker-registry", "endpointUrl": "https://registry.internal:5000",
                                          "insecure": True, "description": "old registry"}},
    ]))
    endpoints = {r.inputs["name"]: r for r in run.of_type(REGISTRY)}
    hub = endpoints["hub"]
    assert hub.inputs == {"name": "hub", "providerName": "docker-hub", "endpointUrl": "https://hub.docker.com",
                          "accessId": "me", "accessSecret": "hub-t0ken", "insecure": False,
                          "description": "Upstream of the proxy cache hub"}
    assert hub.secret_inputs == {"accessSecret"}
    internal = endpoints["internal"].inputs
    assert internal["endpointUrl"] == "https://registry.internal:5000" and internal["insecure"] is True
    assert "accessId" not in internal and "accessSecret" not in internal
    projects = {r.inputs["name"]: r.inputs for r in run.of_type(PROJECT)}
    assert projects["hub"]["registryId"] == hub.outputs["registryId"]
    assert projects["hub"]["public"] is False
    outputs = run.exports["harbor"].value["projects"]
    assert outputs["hub"] == {"pullPrefix": "harbor.example.com/hub", "projectId": "harbor-hub-id", "proxyCache": True}
    assert run.one(ROBOT).inputs["permissions"][0]["namespace"] == "hub"


# Harbor-wide settings.


def test_system_schedules(run_harbor):
    run = run_harbor(harbor(system={
        "garbageCollection": {"schedule": "0 0 2 * * 6", "deleteUntagged": True, "workers": 3},
        "scanAll": {"schedule": "daily", "defaultScanner": "Trivy"},
        "auditLogPurge": {"schedule": "weekly", "retentionHours": 720, "operations": ["pull", "delete"]},
    }))
    assert run.one(GC).inputs == {"schedule": "0 0 2 * * 6", "deleteUntagged": True, "workers": 3}
    assert run.one(SCAN_ALL).inputs == {"vulnerabilityScanPolicy": "daily", "defaultScanner": "Trivy"}
    assert run.one(PURGE).inputs == {"schedule": "weekly", "auditRetentionHour": 720, "includeOperations": "pull,delete"}
    for kind in (GC, SCAN_ALL, PURGE):
        assert run.parent_of(run.one(kind)).type == HARBOR


def test_the_ca_certificate_is_exported_for_clients(run_harbor):
    from tests.support.certs import brought_certificate

    ca = brought_certificate(["harbor.example.com"]).ca_certificate_pem
    run = run_harbor(harbor(caCertificatePem=ca, projects=[{"name": "team"}]))
    assert run.exports["registries"].value["harbor"]["caCertificatePem"] == ca
    assert "caCertificatePem" not in run.one(PROVIDER).inputs


# As a library, and the cost of not using it.


def test_components_as_a_library():
    from registry_platform import HarborRegistry

    def program():
        password = pulumi.Output.secret("From-An-Output-1")
        registry = HarborRegistry("lib", {"url": "https://h.example.com", "username": "admin", "password": password,
                                          "projects": [{"name": "aa", "robots": [{"name": "ci", "durationDays": 3,
                                                                                  "secret": pulumi.Output.secret("Out-Secret-12")}]}]})
        pulumi.export("prefix", registry.projects["aa"].pull_prefix)
        pulumi.export("password", registry.access.password)

    run = run_under_mocks(program, stack="lib")
    assert run.one(PROVIDER).inputs["password"] == "From-An-Output-1"
    assert run.one(ROBOT).inputs["secret"] == "Out-Secret-12"
    assert run.exports["prefix"].value == "h.example.com/aa"
    assert run.exports["password"].secret and run.exports["password"].value == "Out-Secret-12"


def test_harbor_project_standalone_with_its_own_provider():
    import pulumiverse_harbor

    from registry_platform import HarborProject

    def program():
        provider = pulumiverse_harbor.Provider("mine", url="https://h.example.com", username="u", password="p", insecure=False)
        project = HarborProject("solo", {"name": "solo", "robots": [{"name": "ci", "durationDays": 1}]}, provider, "h.example.com")
        pulumi.export("prefix", project.pull_prefix)

    run = run_under_mocks(program, stack="lib")
    assert run.exports["prefix"].value == "h.example.com/solo"
    assert run.one(PROJECT).request.provider.startswith(run.one(PROVIDER).urn)


def test_the_harbor_sdk_is_imported_only_when_used():
    script = (
        "import json, sys\n"
        "from tests.support.harness import run_program\n"
        "run_program({'selfHosted': {'users': [{'name': 'ci'}]}})\n"
        "import registry_platform.harbor\n"
        "print('pulumiverse_harbor' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_the_example_stack_enables_every_feature(run_stack):
    path = ROOT / "Pulumi.harbor.yaml"
    run = run_stack(stack_file_config(path), secret_keys=stack_file_secret_keys(path), stack="harbor")
    for kind in (PROJECT, ROBOT, REGISTRY, RETENTION, IMMUTABLE, WEBHOOK, MEMBER_USER, MEMBER_GROUP, GC, SCAN_ALL, PURGE):
        assert run.of_type(kind), kind
    levels = {r.inputs["level"] for r in run.of_type(ROBOT)}
    assert levels == {"system", "project"}
    assert {r.inputs["duration"] for r in run.of_type(ROBOT)} >= {-1, 30}


def test_without_the_extra_the_error_names_it():
    script = (
        "import sys\n"
        "sys.modules['pulumiverse_harbor'] = None  # as if pulumiverse-harbor were not installed\n"
        "try:\n"
        "    from registry_platform import HarborRegistry\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={**__import__("os").environ, "PYTHONPATH": str(ROOT / "components")})
    assert "pip install 'registry-platform[harbor]'" in result.stdout, result.stderr
