"""What the Docker containers of one stack claim on the engine: container names and host ports.

Two containers with one name, or two published ports on one host address and port, pass every
check of their own section and then fail half-way through `pulumi up` (the second create is
refused by Docker). Each section lists its claims; `claim_problems` finds the collisions before
anything is declared.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Iterable, Literal


@dataclass(frozen=True)
class DockerClaim:
    """One thing a container takes on the Docker engine, with the config path that asked for it."""

    kind: Literal["container name", "host port"]
    value: str | int
    path: str
    """Config path of the setting, relative to the stack config root (`selfHosted.port`)."""
    address: str | None = None
    """Host address of a published port (ports on different addresses do not collide)."""

    def collides_with(self, other: DockerClaim) -> bool:
        if self.kind != other.kind or self.value != other.value:
            return False
        return self.kind == "container name" or _addresses_overlap(self.address, other.address)


def _addresses_overlap(a: str | None, b: str | None) -> bool:
    """Whether two host bind addresses share ports: the same address, or either one is a wildcard."""
    if a is None or b is None:
        return True
    first, second = ipaddress.ip_address(a), ipaddress.ip_address(b)
    return first == second or first.is_unspecified or second.is_unspecified


def claim_problems(claims: Iterable[DockerClaim]) -> list[tuple[str, str]]:
    """(config path, message) for each claim that collides with an earlier one."""
    problems: list[tuple[str, str]] = []
    seen: list[DockerClaim] = []
    for claim in claims:
        earlier = next((other for other in seen if claim.collides_with(other)), None)
        if earlier is not None:
            where = f" on {claim.address}" if claim.kind == "host port" and claim.address else ""
            problems.append((
                claim.path,
                f"{claim.kind} {claim.value}{where} is already taken by `{earlier.path}`; choose another {claim.kind}",
            ))
        seen.append(claim)
    return problems
