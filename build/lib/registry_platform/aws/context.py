"""Account, region and partition as the AWS provider sees them, looked up once and shared by children."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

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


MANAGED_BY = {"managed-by": "registry-platform"}
"""Forced on every AWS resource the library creates."""
