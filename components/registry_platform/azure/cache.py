"""`AcrCache`: one upstream cached by an Azure Container Registry (artifact cache).

Children: with credentials, the Key Vault (created, RBAC, unless an existing one is named), two secrets
(user name, token), a `CredentialSet` with a system-assigned identity, and that identity's read grant
on the two secrets (Key Vault Secrets User on each secret for an RBAC vault, an access policy with
secrets `get` otherwise): the grant the Azure modules leave to their users. Then the `CacheRule`
mapping `<prefix>/*` in the registry to `<upstream host>/*`.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Mapping, Optional

import pulumi
from pulumi_azure_native import authorization, containerregistry, keyvault

from ..settings.base import secret_output
from ..settings.caches import PullThroughCacheSettings, key_vault_parts
from .roles import role_assignment_name, role_definition_id

TYPE = "registry-platform:azure:AcrCache"
KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
"""Built-in role: read secret contents (learn.microsoft.com/azure/key-vault/general/rbac-guide)."""
MANAGED_BY = {"managed-by": "registry-platform"}


def default_vault_name(registry_name: str, cache_name: str) -> str:
    """`ptc<registry>-<hash>` (3-24 characters, starts with a letter), unique per registry and cache."""
    digest = hashlib.sha256(f"{registry_name.lower()}/{cache_name}".encode()).hexdigest()[:8]
    stem = re.sub(r"[^a-z0-9]", "", registry_name.lower())[:12]
    return f"ptc{stem}-{digest}"


def secret_names(cache_name: str) -> tuple[str, str]:
    """The Key Vault secret names of a cache's user name and token."""
    return f"acr-cache-{cache_name}-username", f"acr-cache-{cache_name}-token"


class AcrCache(pulumi.ComponentResource):
    """An ACR cache rule for one upstream, with its credential set, Key Vault secrets and their read grant."""

    pull_prefix: pulumi.Output[str]
    """`<name>.azurecr.io/<prefix>`: pull `<pullPrefix>/library/nginx:latest`."""
    cache_rule: containerregistry.CacheRule
    credential_set: Optional[containerregistry.CredentialSet]
    credential_set_principal_id: Optional[pulumi.Output[str]]
    key_vault_id: Optional[pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        cache: PullThroughCacheSettings | Mapping[str, Any],
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        registry_name: str,
        resource_group_name: pulumi.Input[str],
        location: str,
        login_server: pulumi.Input[str],
        tags: Optional[Mapping[str, str]] = None,
    ):
        cache = PullThroughCacheSettings.coerce(cache)
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        all_tags = {**(tags or {}), **MANAGED_BY}
        prefix = cache.repository_prefix
        self.credential_set = None
        self.credential_set_principal_id = None
        self.key_vault_id = None

        credential_set_id: Optional[pulumi.Output[str]] = None
        if cache.credentials is not None:
            vault_settings = cache.azure.key_vault
            client = authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=self))
            if vault_settings.id is not None:
                vault_group, vault_name = key_vault_parts(vault_settings.id)
                vault_rg: pulumi.Input[str] = vault_group
                vault_name_output: pulumi.Input[str] = vault_name
                self.key_vault_id = pulumi.Output.from_input(vault_settings.id)
                rbac = vault_settings.permission_model == "rbac"
            else:
                vault = keyvault.Vault(
                    f"{name}-vault",
                    vault_name=vault_settings.name or default_vault_name(registry_name, cache.name),
                    resource_group_name=resource_group_name,
                    location=location,
                    properties=keyvault.VaultPropertiesArgs(
                        tenant_id=pulumi.Output.unsecret(client.tenant_id),
                        sku=keyvault.SkuArgs(family="A", name="standard"),
                        enable_rbac_authorization=True,
                        enable_soft_delete=True,
                        soft_delete_retention_in_days=7,
                        public_network_access="Enabled",
                    ),
                    tags=all_tags,
                    opts=child,
                )
                vault_rg, vault_name_output = resource_group_name, vault.name
                self.key_vault_id = vault.id
                rbac = True

            user_name, token_name = secret_names(cache.name)
            secrets = {
                "username": keyvault.Secret(
                    f"{name}-username",
                    resource_group_name=vault_rg,
                    vault_name=vault_name_output,
                    secret_name=user_name,
                    properties=keyvault.SecretPropertiesArgs(value=pulumi.Output.secret(cache.credentials.username)),
                    tags=all_tags,
                    opts=child,
                ),
                "token": keyvault.Secret(
                    f"{name}-token",
                    resource_group_name=vault_rg,
                    vault_name=vault_name_output,
                    secret_name=token_name,
                    properties=keyvault.SecretPropertiesArgs(value=secret_output(cache.credentials.token)),
                    tags=all_tags,
                    opts=child,
                ),
            }
            self.credential_set = containerregistry.CredentialSet(
                f"{name}-credentials",
                registry_name=registry_name,
                resource_group_name=resource_group_name,
                credential_set_name=cache.name,
                login_server=cache.upstream_host,
                identity=containerregistry.IdentityPropertiesArgs(type="SystemAssigned"),
                auth_credentials=[
                    containerregistry.AuthCredentialArgs(
                        name="Credential1",
                        username_secret_identifier=secrets["username"].properties.secret_uri,
                        password_secret_identifier=secrets["token"].properties.secret_uri,
                    )
                ],
                opts=child,
            )
            principal = self.credential_set.identity.apply(lambda identity: identity.principal_id if identity else None)
            self.credential_set_principal_id = principal
            grants = self._grant(name, rbac, secrets, principal, client, vault_rg, vault_name_output)
            credential_set_id = self.credential_set.id
        else:
            grants = []

        self.cache_rule = containerregistry.CacheRule(
            f"{name}-rule",
            registry_name=registry_name,
            resource_group_name=resource_group_name,
            cache_rule_name=cache.name,
            source_repository=f"{cache.upstream_host}/*",
            target_repository=f"{prefix}/*",
            credential_set_resource_id=credential_set_id,
            # The credential set must be able to read its secrets before the first pull through the rule.
            opts=pulumi.ResourceOptions(parent=self, depends_on=grants),
        )
        self.repository_prefix = prefix
        self.upstream = cache.upstream_host
        self.pull_prefix = pulumi.Output.format("{0}/{1}", login_server, prefix)
        self.register_outputs({"pullPrefix": self.pull_prefix, "credentialSetPrincipalId": self.credential_set_principal_id})

    def _grant(
        self,
        name: str,
        rbac: bool,
        secrets: dict[str, keyvault.Secret],
        principal: pulumi.Output[str],
        client: Any,
        vault_rg: pulumi.Input[str],
        vault_name: pulumi.Input[str],
    ) -> list[pulumi.Resource]:
        child = pulumi.ResourceOptions(parent=self)
        if not rbac:
            return [
                keyvault.AccessPolicy(
                    f"{name}-access-policy",
                    resource_group_name=vault_rg,
                    vault_name=vault_name,
                    policy=keyvault.AccessPolicyEntryArgs(
                        object_id=principal,
                        tenant_id=pulumi.Output.unsecret(client.tenant_id),
                        permissions=keyvault.PermissionsArgs(secrets=["get"]),
                    ),
                    opts=child,
                )
            ]
        subscription = pulumi.Output.unsecret(client.subscription_id)
        role = subscription.apply(lambda sub: role_definition_id(sub, KEY_VAULT_SECRETS_USER))
        assignments = []
        for key, secret in secrets.items():
            scope = secret.id
            assignments.append(
                authorization.RoleAssignment(
                    f"{name}-{key}-reader",
                    scope=scope,
                    principal_id=principal,
                    principal_type="ServicePrincipal",
                    role_definition_id=role,
                    role_assignment_name=pulumi.Output.all(scope, principal).apply(
                        lambda values: role_assignment_name(values[0], values[1], KEY_VAULT_SECRETS_USER)
                    ),
                    opts=child,
                )
            )
        return assignments

    def cache_outputs(self) -> dict[str, Any]:
        """This cache's entry under `pullThroughCaches.<cache>.azure`."""
        return {
            "pullPrefix": self.pull_prefix,
            "repositoryPrefix": self.repository_prefix,
            "upstream": self.upstream,
            "keyVaultId": self.key_vault_id,
            "credentialSetPrincipalId": self.credential_set_principal_id,
        }
