"""Robot accounts: their permissions (pure) and their declaration with a secret the stack keeps.

A robot's secret is given in config, or generated once by pulumi-random and handed to Harbor, so it
survives `pulumi refresh` and import (a secret Harbor generates itself is returned once, at creation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional, Sequence

import pulumi
import pulumi_random as random
import pulumiverse_harbor as harbor

from ..settings.base import secret_output
from ..settings.harbor import RobotSettings

ACTIONS = {"pull": ("pull",), "push": ("pull", "push")}
SECRET_LENGTH = 32


def robot_permissions(access: Literal["pull", "push"], projects: Sequence[str]) -> list[dict]:
    """Harbor permissions granting `access` on the repositories of each project (one block per project)."""
    return [
        {
            "kind": "project",
            "namespace": project,
            "accesses": [{"resource": "repository", "action": action} for action in ACTIONS[access]],
        }
        for project in projects
    ]


@dataclass(frozen=True)
class Robot:
    """A declared robot: what CI needs to log in as it."""

    key: str
    """Its key in the outputs: `NAME` for a system robot, `PROJECT+NAME` for a project robot (as Harbor names them)."""
    access: Literal["pull", "push"]
    full_name: pulumi.Output[str]
    """The `docker login` user name Harbor gives it (`robot$PROJECT+NAME`)."""
    secret: pulumi.Output[str]
    """Its secret (a Pulumi secret)."""
    duration_days: Optional[int]
    """Days until it expires, counted from creation; None when it never expires."""
    resource: harbor.RobotAccount


def declare_robot(
    name: str,
    key: str,
    robot: RobotSettings,
    level: Literal["system", "project"],
    projects: Sequence[str],
    provider: pulumi.ProviderResource,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
) -> Robot:
    opts = pulumi.ResourceOptions(parent=parent, provider=provider)
    if robot.secret is not None:
        secret = secret_output(robot.secret)
    else:
        generated = random.RandomPassword(
            f"{name}-secret",
            length=SECRET_LENGTH,
            special=False,
            min_upper=1,
            min_lower=1,
            min_numeric=1,
            opts=pulumi.ResourceOptions(parent=parent),
        )
        secret = pulumi.Output.secret(generated.result)
    where = ", ".join(projects)
    resource = harbor.RobotAccount(
        name,
        name=robot.name,
        level=level,
        description=robot.description or f"CI {robot.access} on {where} ({pulumi.get_project()}/{pulumi.get_stack()})",
        duration=robot.duration,
        disable=robot.disabled,
        permissions=robot_permissions(robot.access, projects),
        secret=secret,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=list(depends_on))),
    )
    return Robot(
        key=key,
        access=robot.access,
        full_name=resource.full_name,
        secret=secret,
        duration_days=None if robot.never_expires else robot.duration_days,
        resource=resource,
    )
