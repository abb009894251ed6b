"""The `azure` section: every validation is an error at its config path, SKU gates name the feature and
the SKU it needs, and every problem is reported at once."""

from __future__ import annotations

import pytest

from registry_platform import SettingsError, load_stack_settings
from registry_platform.settings.azure import AcrRegistryArgs

PRINCIPAL = "11111111-2222-3333-4444-555555555555"
SUB = "00000000-1111-2222-3333-444444444444"
VAULT_ID = f"/subscriptions/{SUB}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-acme"
IDENTITY_ID = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1"
KEY = "https://kv-acme.vault.azure.net/keys/acr"
BASE = {"name": "acmereg01", "resourceGroup": {"name": "rg-reg"}, "location": "westeurope"}


def problems_of(section: dict) -> dict[str, str]:
    with pytest.raises(SettingsError) as caught:
        load_stack_settings({"azure": {**BASE, **section}})
    return {p.path: p.message for p in caught.value.problems}


def test_defaults_need_only_the_basic_sku():
    settings = load_stack_settings({"azure": BASE}).azure
    assert isinstance(settings, AcrRegistryArgs)
    assert settings.sku == "Basic" and settings.admin_user_enabled is False and settings.anonymous_pull_enabled is False
    assert settings.export_enabled is True


PREMIUM_ONLY = [
    ("networkRuleSet", {"ipRules": ["203.0.113.0/24"]}, "network rules (IP allow lists)"),
    ("publicNetworkAccess", "Disabled", "disabling public network access (reachable through private endpoints only)"),
    ("zoneRedundancy", True, "zone redundancy"),
    ("untaggedRetentionDays", 7, "retention of untagged manifests"),
    ("dataEndpointEnabled", True, "dedicated data endpoints"),
    ("contentTrust", True, "content trust"),
    ("replications", [{"location": "northeurope"}], "geo-replication"),
    ("customerManagedKey", {"keyIdentifier": KEY, "keyVaultId": VAULT_ID}, "customer-managed keys"),
]


@pytest.mark.parametrize("sku", ["Basic", "Standard"])
@pytest.mark.parametrize(("key", "value", "feature"), PREMIUM_ONLY, ids=[g[0] for g in PREMIUM_ONLY])
def test_premium_only_settings_on_a_lower_sku_name_the_feature_and_the_sku(sku, key, value, feature):
    problems = problems_of({"sku": sku, key: value})
    assert problems[f"azure.{key}"] == (
        f"{feature} needs the Premium SKU, but sku is {sku}; set `sku: Premium` or remove this setting")
    load_stack_settings({"azure": {**BASE, "sku": "Premium", key: value}})  # and Premium takes it


def test_anonymous_pull_needs_standard_or_premium():
    assert problems_of({"anonymousPullEnabled": True})["azure.anonymousPullEnabled"].startswith(
        "anonymous pull needs the Standard or Premium SKU, but sku is Basic")
    load_stack_settings({"azure": {**BASE, "sku": "Standard", "anonymousPullEnabled": True}})


def test_disabling_export_needs_premium_and_no_public_access():
    with pytest.raises(SettingsError) as caught:
        load_stack_settings({"azure": {**BASE, "exportPolicyEnabled": False}})
    messages = [p.message for p in caught.value.problems if p.path == "azure.exportPolicyEnabled"]
    assert len(messages) == 2 and "disabling export needs the Premium SKU" in messages[0]
    problems = problems_of({"sku": "Premium", "exportPolicyEnabled": False})
    assert problems["azure.exportPolicyEnabled"] == "disabling export needs `publicNetworkAccess: Disabled` as well"
    load_stack_settings({"azure": {**BASE, "sku": "Premium", "exportPolicyEnabled": False, "publicNetworkAccess": "Disabled"}})


def test_every_problem_is_reported_at_once():
    problems = problems_of({
        "sku": "Standard", "zoneRedundancy": True, "dataEndpointEnabled": True, "replications": [{"location": "westeurope"}],
        "untaggedRetentionDays": 7, "softDeleteRetentionDays": 7, "tokens": [{"name": "x", "access": "push", "repositories": ["a"]}],
    })
    assert set(problems) == {
        "azure.zoneRedundancy", "azure.dataEndpointEnabled", "azure.replications", "azure.replications[0].location",
        "azure.untaggedRetentionDays", "azure.softDeleteRetentionDays", "azure.tokens[0].name",
    }


@pytest.mark.parametrize(("sku", "count"), [("Basic", 3), ("Standard", 11)])
def test_webhook_count_is_limited_by_sku(sku, count):
    hooks = [{"name": f"hook{i:03d}", "serviceUri": "https://example.com/x"} for i in range(count)]
    problems = problems_of({"sku": sku, "webhooks": hooks})
    assert problems["azure.webhooks"].startswith(f"{count} webhooks, but the {sku} SKU allows at most")


@pytest.mark.parametrize(
    ("section", "path", "fragment"),
    [
        ({"name": "acme-reg"}, "azure.name", "globally unique"),
        ({"name": "acr"}, "azure.name", "5-50 letters and digits"),
        ({"location": "West Europe"}, "azure.location", "not an Azure location name"),
        ({"resourceGroup": {"name": "rg."}}, "azure.resourceGroup.name", "not ending in '.'"),
        ({"sku": "Classic"}, "azure.sku", ""),
        ({"sku": "Premium", "replications": [{"location": "westeurope"}]}, "azure.replications[0].location",
         "the registry's own location"),
        ({"sku": "Premium", "replications": [{"location": "northeurope"}, {"location": "northeurope"}]},
         "azure.replications", "listed twice"),
        ({"untaggedRetentionDays": 7, "softDeleteRetentionDays": 7, "sku": "Premium"}, "azure.softDeleteRetentionDays",
         "cannot be combined"),
        ({"sku": "Premium", "softDeleteRetentionDays": 7, "replications": [{"location": "northeurope"}]},
         "azure.softDeleteRetentionDays", "cannot be used on a geo-replicated registry"),
        ({"softDeleteRetentionDays": 91}, "azure.softDeleteRetentionDays", "90"),
        ({"sku": "Premium", "untaggedRetentionDays": 366}, "azure.untaggedRetentionDays", "365"),
        ({"sku": "Premium", "publicNetworkAccess": "Disabled", "networkRuleSet": {"ipRules": ["203.0.113.1"]}},
         "azure.networkRuleSet", "has no effect"),
        ({"sku": "Premium", "networkRuleSet": {"ipRules": ["2001:db8::/32"]}}, "azure.networkRuleSet.ipRules[0]", "IPv4"),
        ({"sku": "Premium", "networkRuleSet": {"ipRules": ["203.0.113.1/24"]}}, "azure.networkRuleSet.ipRules[0]", "host bits"),
        ({"sku": "Premium", "networkRuleSet": {"ipRules": ["203.0.113.1", "203.0.113.1"]}}, "azure.networkRuleSet.ipRules", "twice"),
        ({"sku": "Premium", "networkRuleSet": {"defaultAction": "Allow", "ipRules": ["203.0.113.1"]}},
         "azure.networkRuleSet.ipRules", "no effect"),
        ({"sku": "Premium", "customerManagedKey": {"keyIdentifier": KEY}}, "azure.customerManagedKey", "exactly one of"),
        ({"sku": "Premium", "customerManagedKey": {"keyIdentifier": KEY, "keyVaultId": VAULT_ID, "userAssignedIdentityId": IDENTITY_ID}},
         "azure.customerManagedKey", "exactly one of"),
        ({"sku": "Premium", "customerManagedKey": {"keyIdentifier": "https://kv.example.com/k", "keyVaultId": VAULT_ID}},
         "azure.customerManagedKey.keyIdentifier", "Key Vault key identifier"),
        ({"sku": "Premium", "customerManagedKey": {"keyIdentifier": KEY, "userAssignedIdentityId": "/subscriptions/x"}},
         "azure.customerManagedKey.userAssignedIdentityId", "user-assigned identity ID"),
        ({"sku": "Premium", "customerManagedKey": {"keyIdentifier": KEY, "keyVaultId": "kv-acme"}},
         "azure.customerManagedKey.keyVaultId", "Key Vault resource ID"),
        ({"tokens": [{"name": "ci_push", "access": "push", "repositories": ["a"]}]}, "azure.tokens[0].name", "token name"),
        ({"tokens": [{"name": "ci-push", "access": "delete", "repositories": ["a"]}]}, "azure.tokens[0].access", ""),
        ({"tokens": [{"name": "ci-push", "access": "push", "repositories": []}]}, "azure.tokens[0].repositories", "at least 1"),
        ({"tokens": [{"name": "ci-push", "access": "push", "repositories": ["Team/API"]}]},
         "azure.tokens[0].repositories[0]", "not an ACR repository"),
        ({"tokens": [{"name": "ci-push", "access": "push", "repositories": ["a", "a"]}]}, "azure.tokens[0].repositories",
         "twice"),
        ({"tokens": [{"name": "ci-push", "access": "push", "repositories": ["a"], "passwordExpiry": "next year"}]},
         "azure.tokens[0].passwordExpiry", ""),
        ({"tokens": [{"name": "ci-push", "access": "push", "repositories": ["a"], "passwordVersion": 0}]},
         "azure.tokens[0].passwordVersion", "1"),
        ({"tokens": [{"name": "ci-push", "access": "push", "repositories": ["a"]},
                     {"name": "ci-push", "access": "pull", "repositories": ["a"]}]}, "azure.tokens[1].name", "token 'ci-push' is already entry [0]"),
        ({"roleAssignments": [{"roleDefinitionIdOrName": "acrpull", "principalId": PRINCIPAL}]},
         "azure.roleAssignments[0].roleDefinitionIdOrName", "did you mean `AcrPull`"),
        ({"roleAssignments": [{"roleDefinitionIdOrName": "Storage Blob Data Reader", "principalId": PRINCIPAL}]},
         "azure.roleAssignments[0].roleDefinitionIdOrName", "role definition GUID"),
        ({"roleAssignments": [{"roleDefinitionIdOrName": "AcrPull", "principalId": "ci-bot"}]},
         "azure.roleAssignments[0].principalId", "not a GUID"),
        ({"roleAssignments": [{"roleDefinitionIdOrName": "AcrPull", "principalId": PRINCIPAL, "principalType": "App"}]},
         "azure.roleAssignments[0].principalType", ""),
        ({"roleAssignments": [{"roleDefinitionIdOrName": "AcrPull", "principalId": PRINCIPAL, "name": "pull"}]},
         "azure.roleAssignments[0].name", "not a GUID"),
        ({"roleAssignments": [{"roleDefinitionIdOrName": "AcrPull", "principalId": PRINCIPAL},
                              {"roleDefinitionIdOrName": "7f951dda-4ed3-4680-a7ca-43fe172d538d", "principalId": PRINCIPAL}]},
         "azure.roleAssignments", "twice"),
        ({"roleAssignments": [{"roleDefinitionIdOrName": "AcrPull", "principalId": PRINCIPAL, "name": SUB},
                              {"roleDefinitionIdOrName": "AcrPush", "principalId": PRINCIPAL, "name": SUB}]},
         "azure.roleAssignments", "used twice"),
        ({"webhooks": [{"name": "deploy-hook", "serviceUri": "https://example.com"}]}, "azure.webhooks[0].name", "webhook name"),
        ({"webhooks": [{"name": "deployhook", "serviceUri": "http://example.com/?code=s3cret"}]},
         "azure.webhooks[0].serviceUri", "https://"),
        ({"webhooks": [{"name": "deployhook"}]}, "azure.webhooks[0].serviceUri", "required"),
        ({"webhooks": [{"name": "deployhook", "serviceUri": "https://e.com", "actions": ["chart_push"]}]},
         "azure.webhooks[0].actions[0]", ""),
        ({"webhooks": [{"name": "deployhook", "serviceUri": "https://e.com", "actions": ["push", "push"]}]},
         "azure.webhooks[0].actions", "twice"),
        ({"webhooks": [{"name": "deployhook", "serviceUri": "https://e.com", "scope": "Team API"}]},
         "azure.webhooks[0].scope", "not a webhook scope"),
        ({"webhooks": [{"name": "deployhook", "serviceUri": "https://e.com"}, {"name": "deployhook", "serviceUri": "https://f.com"}]},
         "azure.webhooks[1].name", "webhook 'deployhook' is already entry [0]"),
        ({"tags": {"a/b": "c"}}, "azure.tags", "tag 'a/b'"),
        ({"adminUser": True}, "azure.adminUser", "did you mean `adminUserEnabled`"),
    ],
)
def test_config_errors(section, path, fragment):
    problems = problems_of(section)
    assert path in problems, problems
    assert fragment in problems[path]


def test_a_secret_is_never_echoed_in_an_error():
    problems = problems_of({"webhooks": [{"name": "deployhook", "serviceUri": "http://example.com/?code=s3cret"}]})
    assert "s3cret" not in str(problems)


def test_a_webhook_uri_in_plain_text_in_the_stack_file_is_refused(run_stack):
    run = run_stack({"azure": {**BASE, "webhooks": [{"name": "deployhook", "serviceUri": "https://example.com/?code=x"}]}},
                    expect_error=True)
    assert "azure.webhooks[0].serviceUri: is a secret but is stored in plain text" in str(run.error)
    assert not run.of_type("azure-native:containerregistry:Registry")
