"""`HarborRegistry`: projects, proxy caches, robots and Harbor-wide settings on an existing Harbor.

Every child goes through one explicit `harbor.Provider` built from the config, so nothing is read
from ambient `HARBOR_*` environment variables, and TLS is verified (the provider's own default is
`insecure: true`, and `HARBOR_IGNORE_CERT=false` cannot turn that off: the SDK reads it as
`get_env_bool(...) or True`). The outputs carry robot credentials only, never the admin's.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import pulumi
import pulumiverse_harbor as harbor

from ..access import CiIdentity, RegistryAccess
from ..settings.base import secret_output
from ..settings.harbor import HarborRegistryArgs
from .project import HarborProject
from .robots import Robot, declare_robot

TYPE = "registry-platform:harbor:HarborRegistry"
INSECURE_WARNING = (
    "harbor.insecure is true: the provider does not verify Harbor's TLS certificate, so anyone on the "
    "network path can read the admin password and every robot secret. Trust Harbor's CA instead (README, Harbor)."
)


def login_command(login_server: pulumi.Input[str], username: pulumi.Input[Optional[str]]) -> pulumi.Output[str]:
    """`docker login` as the robot, its secret read from stdin (the `$` of `robot$` is quoted for the shell)."""
    return pulumi.Output.format("docker login {0} --username '{1}' --password-stdin", login_server, username)


def login_robot(robots: list[Robot]) -> Optional[Robot]:
    """The robot in the shared output shape: the first push robot (system robots first), else the first robot."""
    return next((robot for robot in robots if robot.access == "push"), robots[0] if robots else None)


class HarborRegistry(pulumi.ComponentResource):
    """Harbor projects (private, scanned on push) and proxy caches, with retention, immutable tags,
    webhooks, members and robot accounts, plus Harbor-wide schedules."""

    access: RegistryAccess
    """The shared output shape: the login server, a robot as username and its secret as password."""
    provider: harbor.Provider
    """The explicit provider every child uses (escape hatch: pass it to your own Harbor resources)."""
    login_server: str
    projects: dict[str, HarborProject]
    """Project name -> component, for `projects` and `proxyCaches` alike."""
    robots: dict[str, Robot]
    """Robot key (`NAME` for system robots, `PROJECT+NAME` for project robots) -> robot."""

    def __init__(
        self,
        name: str,
        args: HarborRegistryArgs | Mapping[str, Any],
        opts: Optional[pulumi.ResourceOptions] = None,
    ):
        args = HarborRegistryArgs.coerce(args)
        super().__init__(TYPE, name, None, opts)
        if args.insecure:
            pulumi.log.warn(INSECURE_WARNING, resource=self)
        self.provider = harbor.Provider(
            f"{name}-provider",
            url=args.url,
            username=args.username,
            password=secret_output(args.password),
            insecure=args.insecure,
            robot_prefix=args.robot_prefix,
            api_version=2,
            opts=pulumi.ResourceOptions(parent=self),
        )
        child = pulumi.ResourceOptions(parent=self, provider=self.provider)
        self.login_server = args.login_server

        self.projects = {
            project.name: HarborProject(
                f"{name}-{project.name}", project, self.provider, self.login_server, pulumi.ResourceOptions(parent=self)
            )
            for project in [*args.projects, *args.proxy_caches]
        }
        system_robots = {
            robot.name: declare_robot(
                f"{name}-robot-{robot.name}",
                robot.name,
                robot,
                "system",
                args.robot_projects(robot),
                self.provider,
                self,
                depends_on=[self.projects[p].project for p in args.robot_projects(robot)],
            )
            for robot in args.robots
        }
        self.robots = {**system_robots, **{k: r for p in self.projects.values() for k, r in p.robots.items()}}
        self._system(name, args, child)

        chosen = login_robot(list(self.robots.values()))
        username = chosen.full_name if chosen else None
        self.access = RegistryAccess.create(
            "harbor",
            endpoint=args.url.rstrip("/"),
            login_server=self.login_server,
            username=username,
            password=chosen.secret if chosen else None,
            ca_certificate_pem=args.ca_certificate_pem,
            login_command=login_command(self.login_server, username),
            identities=[
                CiIdentity(name=key, access=robot.access, type="harbor-robot", id=robot.full_name)
                for key, robot in self.robots.items()
            ],
        )
        self.register_outputs(self.stack_outputs()["harbor"])

    def _system(self, name: str, args: HarborRegistryArgs, child: pulumi.ResourceOptions) -> None:
        system = args.system
        if system is None:
            return
        if system.garbage_collection is not None:
            gc = system.garbage_collection
            harbor.GarbageCollection(
                f"{name}-gc", schedule=gc.schedule, delete_untagged=gc.delete_untagged, workers=gc.workers, opts=child
            )
        if system.scan_all is not None:
            harbor.InterrogationServices(
                f"{name}-scan-all",
                vulnerability_scan_policy=system.scan_all.schedule,
                default_scanner=system.scan_all.default_scanner,
                opts=child,
            )
        if system.audit_log_purge is not None:
            purge = system.audit_log_purge
            harbor.PurgeAuditLog(
                f"{name}-audit-log-purge",
                schedule=purge.schedule,
                audit_retention_hour=purge.retention_hours,
                include_operations=",".join(purge.operations),
                opts=child,
            )

    def stack_outputs(self) -> dict[str, Any]:
        """What the stack program exports for this registry (besides the shared shape): public details,
        and the robots' secrets apart, as a secret."""
        return {
            "harbor": {
                "loginServer": self.login_server,
                "projects": {
                    n: {"pullPrefix": p.pull_prefix, "projectId": p.project_id, "proxyCache": p.registry_id is not None}
                    for n, p in self.projects.items()
                },
                "robots": {
                    key: {"username": r.full_name, "access": r.access, "durationDays": r.duration_days}
                    for key, r in self.robots.items()
                },
            },
            "harborRobotSecrets": pulumi.Output.secret({key: r.secret for key, r in self.robots.items()}),
        }
