"""Account, region and partition as the AWS provider sees them, looked up once and shared by children."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class AwsContext:
    """Account, region, partition and DNS suffix (plain outputs; invokes made once per component)."""

    account_id: pulumi.Output[str]
    region: pulumi.Output[str]
    partition: pulumi.Output[str]
    dns_suffix: pulumi.Output[str]

    @classmethod
    def lookup(cls, parent: pulumi.Resource, region: Optional[str]) -> "AwsContext":
        opts = pulumi.InvokeOutputOptions(parent=parent)
        identity = aws.get_caller_identity_output(opts=opts)
        partition = aws.get_partition_output(opts=opts)
        current_region = pulumi.Output.from_input(region) if region else aws.get_region_output(opts=opts).region
        return cls(
            account_id=pulumi.Output.unsecret(identity.account_id),
            region=pulumi.Output.unsecret(current_region),
            partition=pulumi.Output.unsecret(partition.partition),
            dns_suffix=pulumi.Output.unsecret(partition.dns_suffix),
        )

    @property
    def login_server(self) -> pulumi.Output[str]:
        """`<account>.dkr.ecr.<region>.<dns suffix>`, built from plain values (the token invoke's result is secret)."""
        return pulumi.Output.format("{0}.dkr.ecr.{1}.{2}", self.account_id, self.region, self.dns_suffix)


def deployer_credential_settings() -> dict[str, Any]:
    """How the deployer's AWS provider gets its credentials, from the stack's `aws:*` config.

    An explicit `aws.Provider` does not inherit `aws:*` stack config, so a provider that assumes a CI
    role would otherwise start from the ambient credentials instead of the deploy role the stack is
    configured with (`aws:assumeRoles`, `aws:profile`, shared files). Returns provider keyword args;
    `assume_roles` is the deployer's chain, to which the caller appends its own role.
    """
    config = pulumi.Config("aws")
    settings: dict[str, Any] = {}
    if config.get("profile"):
        settings["profile"] = config.get("profile")
    for key, argument in (("sharedCredentialsFiles", "shared_credentials_files"), ("sharedConfigFiles", "shared_config_files")):
        files = config.get_object(key)
        if files:
            settings[argument] = files
    chain = config.get_object("assumeRoles") or ([config.get_object("assumeRole")] if config.get_object("assumeRole") else [])
    settings["assume_roles"] = [
        aws.ProviderAssumeRoleArgs(**{_snake(key): value for key, value in role.items()}) for role in chain
    ]
    return settings


def _snake(key: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in key)


MANAGED_BY = {"managed-by": "registry-platform"}
"""Forced on every AWS resource the library creates."""
