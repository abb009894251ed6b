"""`AcrRegistry`: one Azure Container Registry (pulumi-azure-native) with secure defaults, SKU-gated features,
and CI access through repository-scoped tokens and role assignments, never the admin user.

Children: the resource group (when created), the registry, its replications, one scope map + token +
`AcrTokenPassword` per token, role assignments, webhooks, and for a customer-managed key the identity
and its grant on the vault. The login identity of the shared output shape is the push token (else the
first token); its password is generated through the ACR API and is only ever a secret output.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import pulumi
from pulumi_azure_native import authorization, containerregistry, managedidentity, resources

from ..access import CiIdentity, RegistryAccess
from ..settings.azure import AcrRegistryArgs, TokenSettings
from ..settings.azure.access import CI_ACCESS_OF_ROLE, TOKEN_ACTIONS
from ..settings.azure.encryption import KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER, CustomerManagedKeySettings
from ..settings.base import secret_output
from .roles import registry_resource_id, role_assignment_name, role_definition_id
from .token_password import ARM_ENDPOINT, ARM_ENDPOINTS, AcrTokenPassword

TYPE = "registry-platform:azure:AcrRegistry"
MANAGED_BY = {"managed-by": "registry-platform"}
"""Forced on every Azure resource the library creates."""


def _enabled(flag: bool) -> str:
    return "enabled" if flag else "disabled"


def login_command(login_server: pulumi.Input[str], username: Optional[str], registry_name: str) -> pulumi.Output[str]:
    """Token login (password on stdin), or, without tokens, `az acr login` as an Entra principal with a role."""
    if username is None:
        return pulumi.Output.from_input(f"az acr login --name {registry_name}")
    return pulumi.Output.format("docker login {0} --username {1} --password-stdin", login_server, username)


def _login_token(tokens: list[TokenSettings]) -> Optional[TokenSettings]:
    return next((t for t in tokens if t.access == "push"), tokens[0] if tokens else None)


def _parse_identity_id(identity_id: str) -> tuple[str, str]:
    parts = identity_id.split("/")
    lowered = [p.lower() for p in parts]
    return parts[lowered.index("resourcegroups") + 1], parts[-1]


class AcrRegistry(pulumi.ComponentResource):
    """An Azure Container Registry: admin user off, anonymous pull off, export off where allowed, tokens for CI."""

    access: RegistryAccess
    """The shared output shape: login server, the push token (else the first) as username and its password
    (secret), tokens and AcrPull/AcrPush principals as identities."""
    registry: containerregistry.Registry
    """The registry resource (escape hatch)."""
    registry_id: pulumi.Output[str]
    login_server: pulumi.Output[str]
    resource_group_name: pulumi.Output[str]
    tokens: dict[str, containerregistry.Token]
    token_passwords: dict[str, AcrTokenPassword]
    scope_maps: dict[str, containerregistry.ScopeMap]
    replications: dict[str, containerregistry.Replication]
    role_assignments: list[authorization.RoleAssignment]
    webhooks: dict[str, containerregistry.Webhook]
    data_endpoints: Optional[pulumi.Output[list[str]]]
    """`<name>.<location>.data.azurecr.io` per region when dedicated data endpoints are on; else None."""
    cmk_identity_principal_id: Optional[pulumi.Output[str]]
    """The principal of the identity that reads the customer-managed key (None without one)."""

    def __init__(
        self,
        name: str,
        args: AcrRegistryArgs | Mapping[str, Any],
        opts: Optional[pulumi.ResourceOptions] = None,
    ):
        args = AcrRegistryArgs.coerce(args)
        super().__init__(TYPE, name, None, opts)
        self._name = name
        self._args = args
        child = pulumi.ResourceOptions(parent=self)
        tags = {**args.tags, **MANAGED_BY}
        client = authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=self))
        self._subscription = pulumi.Output.unsecret(client.subscription_id)

        if args.resource_group.create:
            group = resources.ResourceGroup(
                f"{name}-rg",
                resource_group_name=args.resource_group.name,
                location=args.location,
                tags=tags,
                opts=child,
            )
            self.resource_group_name = group.name
        else:
            self.resource_group_name = pulumi.Output.from_input(args.resource_group.name)
        rg = self.resource_group_name

        identity, encryption, depends_on = self._customer_managed_key(args.customer_managed_key, tags)
        self.registry = containerregistry.Registry(
            f"{name}-registry",
            registry_name=args.name,
            resource_group_name=rg,
            location=args.location,
            sku=containerregistry.SkuArgs(name=args.sku),
            admin_user_enabled=args.admin_user_enabled,
            anonymous_pull_enabled=args.anonymous_pull_enabled,
            data_endpoint_enabled=args.data_endpoint_enabled,
            public_network_access=args.public_network_access,
            network_rule_bypass_options="AzureServices" if args.trusted_services_bypass else "None",
            network_rule_set=self._network_rule_set(),
            policies=self._policies(),
            zone_redundancy="Enabled" if args.zone_redundancy else "Disabled",
            identity=identity,
            encryption=encryption,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on),
        )
        self.registry_id = self.registry.id
        self.login_server = self.registry.login_server
        self.data_endpoints = self.registry.data_endpoint_host_names if args.data_endpoint_enabled else None
        registry_name = self.registry.name

        self.replications = {
            replication.location: containerregistry.Replication(
                f"{name}-replication-{replication.location}",
                registry_name=registry_name,
                resource_group_name=rg,
                replication_name=replication.location,
                location=replication.location,
                region_endpoint_enabled=replication.region_endpoint_enabled,
                zone_redundancy="Enabled" if replication.zone_redundancy else "Disabled",
                tags={**args.tags, **replication.tags, **MANAGED_BY},
                opts=child,
            )
            for replication in args.replications
        }

        self.scope_maps, self.tokens, self.token_passwords = {}, {}, {}
        arm_endpoint = ARM_ENDPOINTS.get(pulumi.Config("azure-native").get("environment") or "public", ARM_ENDPOINT)
        for token in args.tokens:
            scope_map = containerregistry.ScopeMap(
                f"{name}-scope-{token.name}",
                registry_name=registry_name,
                resource_group_name=rg,
                scope_map_name=token.name,
                description=f"CI {token.access} on {len(token.repositories)} repositories ({pulumi.get_project()}/{pulumi.get_stack()})",
                actions=[f"repositories/{repo}/{action}" for repo in token.repositories for action in TOKEN_ACTIONS[token.access]],
                opts=child,
            )
            resource = containerregistry.Token(
                f"{name}-token-{token.name}",
                registry_name=registry_name,
                resource_group_name=rg,
                token_name=token.name,
                scope_map_id=scope_map.id,
                status="enabled",
                opts=child,
            )
            self.scope_maps[token.name] = scope_map
            self.tokens[token.name] = resource
            self.token_passwords[token.name] = AcrTokenPassword(
                f"{name}-token-{token.name}-password",
                resource.id,
                expiry=token.password_expiry,
                version=token.password_version,
                arm_endpoint=arm_endpoint,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[resource]),
            )

        self.role_assignments = self._role_assignments()
        self.webhooks = {
            hook.name: containerregistry.Webhook(
                f"{name}-webhook-{hook.name}",
                registry_name=registry_name,
                resource_group_name=rg,
                webhook_name=hook.name,
                location=args.location,
                service_uri=secret_output(hook.service_uri),
                actions=list(hook.actions),
                scope=hook.scope,
                custom_headers=pulumi.Output.secret(dict(hook.custom_headers)) if hook.custom_headers else None,
                status=_enabled(hook.enabled),
                tags=tags,
                opts=child,
            )
            for hook in args.webhooks
        }

        login = _login_token(args.tokens)
        self.access = RegistryAccess.create(
            "acr",
            endpoint=pulumi.Output.format("https://{0}", self.login_server),
            login_server=self.login_server,
            username=login.name if login else None,
            password=self.token_passwords[login.name].password if login else None,
            password_expires_at=login.password_expiry if login else None,
            login_command=login_command(self.login_server, login.name if login else None, args.name),
            identities=self._identities(),
        )
        self.register_outputs(self.stack_outputs()["azure"])

    def _network_rule_set(self) -> Optional[containerregistry.NetworkRuleSetArgs]:
        rules = self._args.network_rule_set
        if rules is None:
            return None
        return containerregistry.NetworkRuleSetArgs(
            default_action=rules.default_action,
            ip_rules=[containerregistry.IPRuleArgs(i_p_address_or_range=cidr, action="Allow") for cidr in rules.ip_rules],
        )

    def _policies(self) -> containerregistry.PoliciesArgs:
        args = self._args
        premium = args.sku == "Premium"
        return containerregistry.PoliciesArgs(
            export_policy=containerregistry.ExportPolicyArgs(status=_enabled(args.export_enabled)),
            quarantine_policy=containerregistry.QuarantinePolicyArgs(status=_enabled(args.quarantine)),
            soft_delete_policy=containerregistry.SoftDeletePolicyArgs(
                status=_enabled(args.soft_delete_retention_days is not None),
                retention_days=args.soft_delete_retention_days,
            ),
            # Premium-only policies are left out on other SKUs rather than sent as "disabled".
            retention_policy=containerregistry.RetentionPolicyArgs(
                status=_enabled(args.untagged_retention_days is not None), days=args.untagged_retention_days
            )
            if premium
            else None,
            trust_policy=containerregistry.TrustPolicyArgs(status=_enabled(args.content_trust), type="Notary") if premium else None,
        )

    def _customer_managed_key(self, cmk: Optional[CustomerManagedKeySettings], tags: dict[str, str]):
        """(identity, encryption, depends_on) of the registry; the created identity is granted before the registry exists."""
        self.cmk_identity_principal_id = None
        if cmk is None:
            return None, None, []
        depends_on: list[pulumi.Resource] = []
        if cmk.user_assigned_identity_id is not None:
            identity_id = pulumi.Output.from_input(cmk.user_assigned_identity_id)
            existing = managedidentity.get_user_assigned_identity_output(
                resource_group_name=identity_id.apply(lambda i: _parse_identity_id(i)[0]),
                resource_name=identity_id.apply(lambda i: _parse_identity_id(i)[1]),
                opts=pulumi.InvokeOutputOptions(parent=self),
            )
            client_id = existing.client_id
            self.cmk_identity_principal_id = existing.principal_id
        else:
            created = managedidentity.UserAssignedIdentity(
                f"{self._name}-cmk-identity",
                resource_group_name=self.resource_group_name,
                resource_name_=f"{self._args.name}-cmk",
                location=self._args.location,
                tags=tags,
                opts=pulumi.ResourceOptions(parent=self),
            )
            identity_id, client_id = created.id, created.client_id
            self.cmk_identity_principal_id = created.principal_id
            vault_id = pulumi.Output.from_input(cmk.key_vault_id)
            grant = authorization.RoleAssignment(
                f"{self._name}-cmk-key-access",
                principal_id=created.principal_id,
                principal_type="ServicePrincipal",
                role_definition_id=self._subscription.apply(
                    lambda sub: role_definition_id(sub, KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER)
                ),
                scope=vault_id,
                role_assignment_name=pulumi.Output.all(vault_id, created.principal_id).apply(
                    lambda v: role_assignment_name(v[0], v[1], KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER)
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            depends_on.append(grant)
        identity = containerregistry.IdentityPropertiesArgs(
            type=containerregistry.ResourceIdentityType.USER_ASSIGNED,
            user_assigned_identities=identity_id.apply(lambda i: {i: containerregistry.UserIdentityPropertiesArgs()}),
        )
        encryption = containerregistry.EncryptionPropertyArgs(
            status="enabled",
            key_vault_properties=containerregistry.KeyVaultPropertiesArgs(key_identifier=cmk.key_identifier, identity=client_id),
        )
        return identity, encryption, depends_on

    def _role_assignments(self) -> list[authorization.RoleAssignment]:
        args = self._args
        scope_id = self._subscription.apply(
            lambda sub: registry_resource_id(sub, args.resource_group.name, args.name)
        )
        definitions: dict[str, pulumi.Output[str]] = {}
        created = []
        for assignment in args.role_assignments:
            guid = assignment.role_guid
            if guid not in definitions:
                definition = authorization.get_role_definition_output(
                    role_definition_id=guid,
                    scope=self._subscription.apply(lambda sub: f"/subscriptions/{sub}"),
                    opts=pulumi.InvokeOutputOptions(parent=self),
                )
                definitions[guid] = definition.id
            principal = assignment.principal_id
            created.append(
                authorization.RoleAssignment(
                    f"{self._name}-role-{assignment.role_definition_id_or_name.rsplit('/', 1)[-1]}-{principal}",
                    principal_id=principal,
                    principal_type=assignment.principal_type,
                    role_definition_id=definitions[guid],
                    scope=self.registry.id,
                    condition=assignment.condition,
                    condition_version="2.0" if assignment.condition else None,
                    role_assignment_name=assignment.name
                    or scope_id.apply(lambda scope, p=principal, g=guid: role_assignment_name(scope, p, g)),
                    description=f"{pulumi.get_project()}/{pulumi.get_stack()}: registry access",
                    opts=pulumi.ResourceOptions(parent=self),
                )
            )
        return created

    def _identities(self) -> list[CiIdentity]:
        identities = [
            CiIdentity(name=token.name, access=token.access, type="acr-token", id=self.tokens[token.name].name)
            for token in self._args.tokens
        ]
        for assignment in self._args.role_assignments:
            access = CI_ACCESS_OF_ROLE.get(assignment.role_guid)
            if access is not None:
                identities.append(CiIdentity(
                    name=assignment.principal_id, access=access, type="azure-principal",
                    id=pulumi.Output.from_input(assignment.principal_id),
                ))
        return identities

    def stack_outputs(self) -> dict[str, Any]:
        """What the stack program exports for this registry (besides the shared shape)."""
        args = self._args
        return {
            "azure": {
                "registryId": self.registry_id,
                "registryName": self.registry.name,
                "loginServer": self.login_server,
                "resourceGroupName": self.resource_group_name,
                "sku": args.sku,
                "tokens": {
                    token.name: {
                        "id": self.tokens[token.name].id,
                        "scopeMapId": self.scope_maps[token.name].id,
                        "access": token.access,
                        "repositories": list(token.repositories),
                    }
                    for token in args.tokens
                },
                "replications": {
                    replication.location: {
                        "id": self.replications[replication.location].id,
                        "regionEndpointEnabled": replication.region_endpoint_enabled,
                        "zoneRedundancy": replication.zone_redundancy,
                        "dataEndpoint": f"{args.name.lower()}.{replication.location}.data.azurecr.io"
                        if args.data_endpoint_enabled
                        else None,
                    }
                    for replication in args.replications
                },
                "dataEndpoints": self.data_endpoints,
                "roleAssignments": [
                    {"id": resource.id, "principalId": assignment.principal_id, "roleDefinitionId": resource.role_definition_id}
                    for assignment, resource in zip(args.role_assignments, self.role_assignments)
                ],
                "webhooks": {hook_name: hook.id for hook_name, hook in self.webhooks.items()},
                "customerManagedKeyIdentityPrincipalId": self.cmk_identity_principal_id,
            }
        }
