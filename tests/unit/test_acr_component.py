"""AcrRegistry under mocks with the real pulumi-azure-native SDK classes; Azure invokes mocked."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import uuid

import pulumi
import pytest

from registry_platform.azure.roles import ROLE_ASSIGNMENT_NAMESPACE
from tests.support.harness import ROOT, run_under_mocks
from tests.support.mocks import SUBSCRIPTION_ID, TOKEN_PASSWORD_PREFIX

REGISTRY = "azure-native:containerregistry:Registry"
SCOPE_MAP = "azure-native:containerregistry:ScopeMap"
TOKEN = "azure-native:containerregistry:Token"
REPLICATION = "azure-native:containerregistry:Replication"
WEBHOOK = "azure-native:containerregistry:Webhook"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
DYNAMIC = "pulumi-python:dynamic:Resource"
ACR = "registry-platform:azure:AcrRegistry"
GET_ROLE = "azure-native:authorization:getRoleDefinition"
ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
ACR_PUSH = "8311e382-0749-4cb8-b61a-304f252e45ec"
ACR_DELETE = "c2f4ef07-c644-48eb-af81-4b1b4947fb11"
PRINCIPAL = "11111111-2222-3333-4444-555555555555"
OTHER_PRINCIPAL = "66666666-7777-8888-9999-000000000000"
GROUP_ID = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-reg"
REGISTRY_ID = f"{GROUP_ID}/providers/Microsoft.ContainerRegistry/registries/acmereg01"
VAULT_ID = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-acme"
KEY = "https://kv-acme.vault.azure.net/keys/acr"


def azure(**section):
    return {"azure": {"name": "acmereg01", "resourceGroup": {"name": "rg-reg"}, "location": "westeurope", **section}}


def premium(**section):
    return azure(sku="Premium", **section)


def test_minimal_registry_has_secure_defaults_that_basic_accepts(run_stack):
    run = run_stack(azure())
    registry = run.one(REGISTRY)
    inputs = registry.inputs
    assert registry.name == "azure-registry"
    assert inputs["registryName"] == "acmereg01" and inputs["resourceGroupName"] == "rg-reg"
    assert inputs["location"] == "westeurope"
    assert inputs["sku"] == {"name": "Basic"}
    assert inputs["adminUserEnabled"] is False
    assert inputs["anonymousPullEnabled"] is False
    assert inputs["dataEndpointEnabled"] is False
    assert inputs["publicNetworkAccess"] == "Enabled"
    assert inputs["zoneRedundancy"] == "Disabled"
    assert inputs["networkRuleBypassOptions"] == "AzureServices"
    assert inputs["tags"] == {"managed-by": "registry-platform"}
    # Premium-only policies are not sent to a Basic registry at all, not even as "disabled".
    assert inputs["policies"] == {
        "exportPolicy": {"status": "enabled"},
        "quarantinePolicy": {"status": "disabled"},
        "softDeletePolicy": {"status": "disabled", "retentionDays": 7},  # the SDK's default days, unused while disabled
    }
    assert "networkRuleSet" not in inputs and "encryption" not in inputs and "identity" not in inputs
    for type_ in (RESOURCE_GROUP, SCOPE_MAP, TOKEN, REPLICATION, WEBHOOK, ROLE_ASSIGNMENT, DYNAMIC, IDENTITY):
        assert not run.of_type(type_), type_
    assert run.parent_of(registry).type == ACR
    assert run.parent_of(run.one(ACR)).type == "registry-platform:index:RegistryPlatform"

    public = run.exports["registries"].value["azure"]
    assert public["kind"] == "acr"
    assert public["loginServer"] == "acmereg01.azurecr.io"
    assert public["endpoint"] == "https://acmereg01.azurecr.io"
    assert public["username"] is None and public["identities"] == []
    assert public["loginCommand"] == "az acr login --name acmereg01"
    assert run.exports["registryCredentials"].value["azure"]["password"] is None
    details = run.exports["azure"].value
    assert details["registryId"] == REGISTRY_ID
    assert details["dataEndpoints"] is None and details["tokens"] == {} and details["replications"] == {}


def test_premium_features_reach_the_registry(run_stack):
    run = run_stack(premium(
        tags={"team": "platform", "managed-by": "someone-else"},
        zoneRedundancy=True,
        dataEndpointEnabled=True,
        untaggedRetentionDays=7,
        contentTrust=True,
        quarantine=True,
        anonymousPullEnabled=True,
        trustedServicesBypass=False,
        networkRuleSet={"ipRules": ["203.0.113.0/24", "198.51.100.7"]},
    ))
    inputs = run.one(REGISTRY).inputs
    assert inputs["sku"] == {"name": "Premium"}
    assert inputs["zoneRedundancy"] == "Enabled"
    assert inputs["dataEndpointEnabled"] is True
    assert inputs["anonymousPullEnabled"] is True
    assert inputs["networkRuleBypassOptions"] == "None"
    assert inputs["networkRuleSet"] == {"defaultAction": "Deny", "ipRules": [
        {"iPAddressOrRange": "203.0.113.0/24", "action": "Allow"}, {"iPAddressOrRange": "198.51.100.7", "action": "Allow"}]}
    assert inputs["policies"]["retentionPolicy"] == {"status": "enabled", "days": 7}
    assert inputs["policies"]["trustPolicy"] == {"status": "enabled", "type": "Notary"}
    assert inputs["policies"]["quarantinePolicy"] == {"status": "enabled"}
    # Public access is still on, so export stays enabled (Azure refuses to disable it otherwise).
    assert inputs["policies"]["exportPolicy"] == {"status": "enabled"}
    assert inputs["tags"] == {"team": "platform", "managed-by": "registry-platform"}
    assert run.exports["azure"].value["dataEndpoints"] == ["acmereg01.westeurope.data.azurecr.io"]


def test_export_is_off_by_default_where_azure_allows_it(run_stack):
    private = run_stack(premium(publicNetworkAccess="Disabled")).one(REGISTRY).inputs
    assert private["publicNetworkAccess"] == "Disabled"
    assert private["policies"]["exportPolicy"] == {"status": "disabled"}
    assert private["policies"]["retentionPolicy"] == {"status": "disabled", "days": 7}  # SDK default days, unused
    explicit = run_stack(premium(publicNetworkAccess="Disabled", exportPolicyEnabled=True)).one(REGISTRY).inputs
    assert explicit["policies"]["exportPolicy"] == {"status": "enabled"}


def test_soft_delete_on_a_standard_registry(run_stack):
    inputs = run_stack(azure(sku="Standard", softDeleteRetentionDays=14)).one(REGISTRY).inputs
    assert inputs["policies"]["softDeletePolicy"] == {"status": "enabled", "retentionDays": 14}


def test_resource_group_is_created_only_when_asked(run_stack):
    run = run_stack(azure(resourceGroup={"name": "rg-reg", "create": True}, tags={"team": "platform"}))
    group = run.one(RESOURCE_GROUP)
    assert group.inputs == {"resourceGroupName": "rg-reg", "location": "westeurope",
                            "tags": {"team": "platform", "managed-by": "registry-platform"}}
    assert run.parent_of(group).type == ACR
    registry = run.one(REGISTRY)
    assert group.urn in registry.request.dependencies
    assert run.exports["azure"].value["resourceGroupName"] == "rg-reg"


def test_replications_in_other_locations(run_stack):
    run = run_stack(premium(dataEndpointEnabled=True, replications=[
        {"location": "northeurope", "zoneRedundancy": True, "tags": {"site": "dr"}},
        {"location": "eastus2", "regionEndpointEnabled": False},
    ]))
    north = run.one(REPLICATION, "azure-replication-northeurope").inputs
    assert north == {
        "registryName": "acmereg01", "resourceGroupName": "rg-reg", "replicationName": "northeurope",
        "location": "northeurope", "regionEndpointEnabled": True, "zoneRedundancy": "Enabled",
        "tags": {"site": "dr", "managed-by": "registry-platform"},
    }
    east = run.one(REPLICATION, "azure-replication-eastus2").inputs
    assert east["regionEndpointEnabled"] is False and east["zoneRedundancy"] == "Disabled"
    replications = run.exports["azure"].value["replications"]
    assert replications["northeurope"] == {
        "id": f"{REGISTRY_ID}/replications/northeurope", "regionEndpointEnabled": True, "zoneRedundancy": True,
        "dataEndpoint": "acmereg01.northeurope.data.azurecr.io",
    }
    assert replications["eastus2"]["regionEndpointEnabled"] is False


TOKENS = [
    {"name": "ci-pull", "access": "pull", "repositories": ["team/api"]},
    {"name": "ci-push", "access": "push", "repositories": ["team/api", "team/tools/*"], "passwordExpiry": "2027-01-01T00:00:00Z"},
]


def test_tokens_are_scoped_to_their_repositories_and_never_delete(run_stack):
    run = run_stack(azure(tokens=TOKENS))
    pull = run.one(SCOPE_MAP, "azure-scope-ci-pull").inputs
    assert pull["scopeMapName"] == "ci-pull" and pull["registryName"] == "acmereg01"
    assert pull["actions"] == ["repositories/team/api/content/read", "repositories/team/api/metadata/read"]
    push = run.one(SCOPE_MAP, "azure-scope-ci-push").inputs
    assert set(push["actions"]) == {
        f"repositories/{repo}/{action}"
        for repo in ("team/api", "team/tools/*") for action in ("content/read", "content/write", "metadata/read")
    }
    assert not [a for a in pull["actions"] + push["actions"] if "delete" in a or "metadata/write" in a]
    token = run.one(TOKEN, "azure-token-ci-push")
    assert token.inputs["tokenName"] == "ci-push" and token.inputs["status"] == "enabled"
    assert token.inputs["scopeMapId"] == f"{REGISTRY_ID}/scopeMaps/ci-push"
    assert "credentials" not in token.inputs  # a Token PUT makes no password; the dynamic resource does

    password = run.one(DYNAMIC, "azure-token-ci-push-password")
    assert password.inputs["tokenId"] == f"{REGISTRY_ID}/tokens/ci-push"
    assert password.inputs["passwordName"] == "password1"
    assert password.inputs["expiry"] == "2027-01-01T00:00:00Z"
    assert password.inputs["version"] == 1
    assert token.urn in password.request.dependencies
    assert run.parent_of(password).type == ACR
    assert "expiry" not in run.one(DYNAMIC, "azure-token-ci-pull-password").inputs


def test_the_push_token_is_the_login_and_its_password_is_only_a_secret(run_stack):
    run = run_stack(azure(tokens=TOKENS))
    password = run.one(DYNAMIC, "azure-token-ci-push-password").outputs["password"]
    assert password.startswith(TOKEN_PASSWORD_PREFIX)
    public = run.exports["registries"]
    assert not public.secret
    acr = public.value["azure"]
    assert acr["username"] == "ci-push"
    assert acr["passwordExpiresAt"] == "2027-01-01T00:00:00Z"  # the login token's expiry, for `status` and rotation
    assert acr["loginCommand"] == "docker login acmereg01.azurecr.io --username ci-push --password-stdin"
    assert acr["identities"] == [
        {"name": "ci-pull", "access": "pull", "type": "acr-token", "id": "ci-pull"},
        {"name": "ci-push", "access": "push", "type": "acr-token", "id": "ci-push"},
    ]
    credentials = run.exports["registryCredentials"]
    assert credentials.secret and credentials.value["azure"]["password"] == password
    config = json.loads(credentials.value["azure"]["dockerConfigJson"])
    assert base64.b64decode(config["auths"]["acmereg01.azurecr.io"]["auth"]).decode() == f"ci-push:{password}"
    merged = run.exports["dockerConfigJson"]
    assert merged.secret
    assert base64.b64decode(json.loads(merged.value)["auths"]["acmereg01.azurecr.io"]["auth"]).decode() == f"ci-push:{password}"
    # No password of any token in a plain output.
    plain = json.dumps(public.value) + json.dumps(run.exports["azure"].value)
    assert TOKEN_PASSWORD_PREFIX not in plain
    assert run.exports["azure"].value["tokens"]["ci-push"] == {
        "id": f"{REGISTRY_ID}/tokens/ci-push", "scopeMapId": f"{REGISTRY_ID}/scopeMaps/ci-push",
        "access": "push", "repositories": ["team/api", "team/tools/*"],
    }


def test_a_pull_token_is_the_login_when_there_is_no_push_token(run_stack):
    run = run_stack(azure(tokens=[TOKENS[0]]))
    assert run.exports["registries"].value["azure"]["username"] == "ci-pull"
    assert run.exports["registries"].value["azure"]["passwordExpiresAt"] is None  # ci-pull's password does not expire
    assert run.exports["registryCredentials"].value["azure"]["password"].startswith(TOKEN_PASSWORD_PREFIX)


def test_the_password_is_secret_when_the_component_is_used_as_a_library():
    from registry_platform import AcrRegistry

    def program():
        registry = AcrRegistry("lib", {"name": "teamreg01", "resourceGroup": {"name": "rg-team"}, "location": "eastus",
                                       "tokens": [{"name": "ci-push", "access": "push", "repositories": ["api"]}]})
        pulumi.export("password", registry.access.password)
        pulumi.export("username", registry.access.username)
        pulumi.export("loginServer", registry.login_server)
        pulumi.export("tokenPassword", registry.token_passwords["ci-push"].password)

    run = run_under_mocks(program, stack="lib")
    assert run.exports["password"].secret and run.exports["password"].value.startswith(TOKEN_PASSWORD_PREFIX)
    assert run.exports["tokenPassword"].secret
    assert not run.exports["username"].secret and run.exports["username"].value == "ci-push"
    assert run.exports["loginServer"].value == "teamreg01.azurecr.io"
    assert run.one(REGISTRY, "lib-registry").inputs["location"] == "eastus"


def expected_assignment_name(principal: str, role: str) -> str:
    return str(uuid.uuid5(ROLE_ASSIGNMENT_NAMESPACE, f"{REGISTRY_ID.lower()}|{principal}|{role}"))


def test_role_assignments_look_up_the_role_in_the_deployers_subscription(run_stack):
    run = run_stack(azure(roleAssignments=[
        {"roleDefinitionIdOrName": "AcrPull", "principalId": PRINCIPAL, "principalType": "ServicePrincipal"},
        {"roleDefinitionIdOrName": ACR_PUSH, "principalId": OTHER_PRINCIPAL},
        {"roleDefinitionIdOrName": f"/providers/Microsoft.Authorization/roleDefinitions/{ACR_PULL}", "principalId": OTHER_PRINCIPAL},
        {"roleDefinitionIdOrName": "AcrDelete", "principalId": PRINCIPAL, "name": "0f0f0f0f-1111-2222-3333-444444444444",
         "condition": "@Resource[Microsoft.ContainerRegistry/registries/repositories:name] StringStartsWith 'tmp/'"},
    ]))
    lookups = [args for token, args in run.mocks.call_log if token == GET_ROLE]
    # One lookup per distinct role, each in the subscription of the deployer's provider.
    assert sorted(a["roleDefinitionId"] for a in lookups) == sorted([ACR_PULL, ACR_PUSH, ACR_DELETE])
    assert {a["scope"] for a in lookups} == {f"/subscriptions/{SUBSCRIPTION_ID}"}

    pull = run.one(ROLE_ASSIGNMENT, f"azure-role-AcrPull-{PRINCIPAL}").inputs
    assert pull["roleDefinitionId"] == f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/{ACR_PULL}"
    assert pull["principalId"] == PRINCIPAL and pull["principalType"] == "ServicePrincipal"
    assert pull["scope"] == REGISTRY_ID
    assert pull["roleAssignmentName"] == expected_assignment_name(PRINCIPAL, ACR_PULL)
    assert "condition" not in pull and "conditionVersion" not in pull
    by_guid = run.one(ROLE_ASSIGNMENT, f"azure-role-{ACR_PUSH}-{OTHER_PRINCIPAL}").inputs
    # The SDK would send principalType User when none is given; the default is ServicePrincipal.
    assert by_guid["roleDefinitionId"].endswith(ACR_PUSH) and by_guid["principalType"] == "ServicePrincipal"
    by_id = run.one(ROLE_ASSIGNMENT, f"azure-role-{ACR_PULL}-{OTHER_PRINCIPAL}").inputs
    assert by_id["roleAssignmentName"] == expected_assignment_name(OTHER_PRINCIPAL, ACR_PULL)
    delete = run.one(ROLE_ASSIGNMENT, f"azure-role-AcrDelete-{PRINCIPAL}").inputs
    assert delete["roleAssignmentName"] == "0f0f0f0f-1111-2222-3333-444444444444"
    assert delete["conditionVersion"] == "2.0" and delete["condition"].startswith("@Resource")

    identities = run.exports["registries"].value["azure"]["identities"]
    assert identities == [
        {"name": PRINCIPAL, "access": "pull", "type": "azure-principal", "id": PRINCIPAL},
        {"name": OTHER_PRINCIPAL, "access": "push", "type": "azure-principal", "id": OTHER_PRINCIPAL},
        {"name": OTHER_PRINCIPAL, "access": "pull", "type": "azure-principal", "id": OTHER_PRINCIPAL},
    ]  # AcrDelete is not a CI login identity
    exported = run.exports["azure"].value["roleAssignments"]
    assert [a["principalId"] for a in exported] == [PRINCIPAL, OTHER_PRINCIPAL, OTHER_PRINCIPAL, PRINCIPAL]
    assert exported[0]["id"] == f"{REGISTRY_ID}/providers/Microsoft.Authorization/roleAssignments/{pull['roleAssignmentName']}"


def test_role_assignment_names_are_the_same_on_every_run(run_stack, stack_state):
    config = azure(roleAssignments=[{"roleDefinitionIdOrName": "AcrPush", "principalId": PRINCIPAL}])
    first = run_stack(config, state=stack_state).one(ROLE_ASSIGNMENT).inputs["roleAssignmentName"]
    second = run_stack(config, state=stack_state).one(ROLE_ASSIGNMENT).inputs["roleAssignmentName"]
    assert first == second == expected_assignment_name(PRINCIPAL, ACR_PUSH)


def test_webhooks_send_their_uri_and_headers_as_secrets(run_stack):
    run = run_stack(
        azure(sku="Standard", webhooks=[
            {"name": "deployhook", "serviceUri": "https://deploy.example.com/acr?code=s3cret", "actions": ["push", "delete"],
             "scope": "team/api:*", "customHeaders": {"X-Source": "acr"}},
            {"name": "auditlog1", "serviceUri": "https://audit.example.com/in", "enabled": False},
        ]),
        secret_keys=["registry-platform:azure"],
    )
    hook = run.one(WEBHOOK, "azure-webhook-deployhook")
    assert hook.inputs["serviceUri"] == "https://deploy.example.com/acr?code=s3cret"
    assert {"serviceUri", "customHeaders"} <= hook.secret_inputs
    assert hook.inputs["actions"] == ["push", "delete"] and hook.inputs["scope"] == "team/api:*"
    assert hook.inputs["customHeaders"] == {"X-Source": "acr"}
    assert hook.inputs["location"] == "westeurope" and hook.inputs["status"] == "enabled"
    assert hook.inputs["webhookName"] == "deployhook" and hook.inputs["registryName"] == "acmereg01"
    audit = run.one(WEBHOOK, "azure-webhook-auditlog1").inputs
    assert audit["status"] == "disabled" and audit["actions"] == ["push"] and "scope" not in audit
    assert run.exports["azure"].value["webhooks"] == {
        "deployhook": f"{REGISTRY_ID}/webhooks/deployhook", "auditlog1": f"{REGISTRY_ID}/webhooks/auditlog1"}
    assert "s3cret" not in json.dumps({k: e.value for k, e in run.exports.items()})


def test_customer_managed_key_with_a_created_identity_granted_before_the_registry(run_stack):
    run = run_stack(premium(customerManagedKey={"keyIdentifier": KEY, "keyVaultId": VAULT_ID}))
    identity = run.one(IDENTITY, "azure-cmk-identity")
    assert identity.inputs["resourceName"] == "acmereg01-cmk" and identity.inputs["location"] == "westeurope"
    grant = run.one(ROLE_ASSIGNMENT, "azure-cmk-key-access")
    assert grant.inputs["scope"] == VAULT_ID
    assert grant.inputs["principalId"] == identity.outputs["principalId"]
    assert grant.inputs["principalType"] == "ServicePrincipal"
    assert grant.inputs["roleDefinitionId"] == (
        f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/e147488a-f6f5-4113-8e2d-b22465e65bf6")
    registry = run.one(REGISTRY)
    assert grant.urn in registry.request.dependencies
    assert registry.inputs["identity"] == {"type": "UserAssigned", "userAssignedIdentities": {identity.outputs["id"]: {}}}
    assert registry.inputs["encryption"] == {
        "status": "enabled", "keyVaultProperties": {"keyIdentifier": KEY, "identity": identity.outputs["clientId"]}}
    assert run.exports["azure"].value["customerManagedKeyIdentityPrincipalId"] == identity.outputs["principalId"]


def test_customer_managed_key_with_an_existing_identity(run_stack):
    identity_id = (f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-ids/providers/"
                   "Microsoft.ManagedIdentity/userAssignedIdentities/acr-key-reader")
    run = run_stack(premium(customerManagedKey={"keyIdentifier": KEY, "userAssignedIdentityId": identity_id}))
    assert not run.of_type(IDENTITY) and not run.of_type(ROLE_ASSIGNMENT)
    lookups = [args for token, args in run.mocks.call_log if token == "azure-native:managedidentity:getUserAssignedIdentity"]
    assert lookups == [{"resourceGroupName": "rg-ids", "resourceName": "acr-key-reader"}]
    inputs = run.one(REGISTRY).inputs
    assert inputs["identity"]["userAssignedIdentities"] == {identity_id: {}}
    assert inputs["encryption"]["keyVaultProperties"]["identity"] == "a1a1a1a1-0000-0000-0000-000000000004"


def test_an_invalid_config_declares_nothing(run_stack):
    run = run_stack(azure(sku="Standard", zoneRedundancy=True), expect_error=True)
    assert "zone redundancy needs the Premium SKU" in str(run.error)
    assert not [r for r in run.resources if r.type.startswith("azure-native:")]


@pytest.mark.parametrize(("config", "imported"), [
    ({"selfHosted": {"users": [{"name": "ci"}]}}, False),
    ({"azure": {"name": "acmereg01", "resourceGroup": {"name": "rg"}, "location": "westeurope"}}, True),
])
def test_the_azure_sdk_is_imported_only_when_used(config, imported):
    script = (
        "import json, sys\n"
        "from tests.support.harness import run_program\n"
        f"run_program(json.loads({json.dumps(json.dumps(config))}))\n"
        "print('pulumi_azure_native' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(imported)
