"""`SelfHostedRegistry`: a hardened registry:2 container on a Docker engine.

Children: the pinned image, a named data volume (kept across container replacement), the TLS
material, htpasswd users, the `http.secret`, and the container that receives config, certificates
and htpasswd as uploaded files.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import pulumi
import pulumi_docker as docker
import pulumi_random as random

from ..access import CiIdentity, RegistryAccess
from ..settings.formats import docker_name, duration_seconds, go_duration
from ..settings import secret_output
from ..settings.selfhosted import REGISTRY_CONTAINER_PORT, SelfHostedRegistryArgs
from ..settings.token_auth import ROLE_ACCESS
from .config_file import render_registry_config
from .layout import LAYOUT
from .tls import ServerTls, generated_tls, provided_tls
from .auth_container import TokenServer
from .users import hashed_users, htpasswd_users

TYPE = "registry-platform:selfhosted:SelfHostedRegistry"
SECRET_FILE_MODE = "0400"
PUBLIC_FILE_MODE = "0444"
START_INTERVAL_LABEL = "org.registry-platform.healthcheck-start-interval"
HEALTHCHECK_FIELDS_DOCKER_KEEPS = ["tests", "interval", "timeout", "retries", "startPeriod"]
"""Health-check fields that replace the container when edited (Docker cannot change a health check
in place, and the provider's update would only record the new value in the state)."""


def _labels(name: str) -> dict[str, str]:
    """Labels naming where a Docker object comes from (fixed: a volume label change would replace it)."""
    return {
        "org.registry-platform.project": pulumi.get_project(),
        "org.registry-platform.stack": pulumi.get_stack(),
        "org.registry-platform.component": name,
    }


def _healthcheck(args: SelfHostedRegistryArgs) -> docker.ContainerHealthcheckArgs:
    """Probe the debug server's /debug/health over the container's loopback (no TLS needed).

    Durations are declared in Go's canonical form, the form Docker reports back, so that an
    unchanged config shows no diff.
    """
    check = args.container.healthcheck
    url = f"http://127.0.0.1:{args.debug.port}/debug/health"
    return docker.ContainerHealthcheckArgs(
        tests=["CMD", "wget", "-q", "-O", "/dev/null", url],
        interval=go_duration(check.interval),
        timeout=go_duration(check.timeout),
        retries=check.retries,
        start_period=go_duration(check.start_period),
        start_interval=go_duration(check.start_interval) if check.start_interval else None,
    )


def _healthcheck_labels(args: SelfHostedRegistryArgs) -> dict[str, str]:
    """The start interval as a label, so that editing it replaces the container.

    It is left out of `replace_on_changes`: engines before API 1.44 drop it, and a provider that reads
    back their 0s would replace the container on every `pulumi up` there. A label reads back as set.
    """
    start_interval = args.container.healthcheck.start_interval
    return {START_INTERVAL_LABEL: go_duration(start_interval)} if start_interval else {}


def _log_settings(args: SelfHostedRegistryArgs) -> tuple[dict[str, Any], list[str]]:
    """Container log arguments, and what to ignore when the engine's defaults are used.

    Docker merges daemon.json's `log-opts` into the container's and the provider reads the merged
    map back; `logOpts` forces a new container, so undeclared options would replace it on every run.
    """
    log = args.container.log
    if log is None:
        return {}, ["logDriver", "logOpts"]
    return {"log_driver": log.driver, "log_opts": log.options}, []


def _health_wait_seconds(args: SelfHostedRegistryArgs) -> int:
    """How long `pulumi up` waits for healthy: long enough for every probe Docker may need, plus a margin."""
    check = args.container.healthcheck
    probes = duration_seconds(check.start_period) + (check.retries + 1) * (
        duration_seconds(check.interval) + duration_seconds(check.timeout)
    )
    return int(probes) + 30


def default_container_name(name: str) -> str:
    """Unique per project, stack and component, so two registries never take the same name."""
    return docker_name(pulumi.get_project(), pulumi.get_stack(), name)


def default_volume_name(name: str) -> str:
    """Unique per project, stack and component, and independent of the container name."""
    return docker_name(pulumi.get_project(), pulumi.get_stack(), name, "data")


def _volume_options(parent: pulumi.Resource, args: SelfHostedRegistryArgs) -> pulumi.ResourceOptions:
    """A defaulted volume name is kept as created: a stack rename changes the default, and a new
    name would point the registry at a new, empty volume. An explicit `volume.name` takes effect."""
    ignored = ["labels"] if args.volume.name else ["labels", "name"]
    return pulumi.ResourceOptions(parent=parent, retain_on_delete=args.volume.retain_on_delete, ignore_changes=ignored)


def _ports(args: SelfHostedRegistryArgs) -> list[docker.ContainerPortArgs]:
    ports = [docker.ContainerPortArgs(internal=REGISTRY_CONTAINER_PORT, external=args.port, ip=args.bind_address)]
    if args.debug.publish:
        ports.append(
            docker.ContainerPortArgs(
                internal=args.debug.port, external=args.debug.effective_host_port, ip=args.debug.bind_address
            )
        )
    return ports


def debug_endpoint(args: SelfHostedRegistryArgs) -> Optional[str]:
    """Where the published debug server answers (`/debug/health`, `/metrics`), for `status`; None when
    it is not published. A wildcard bind is reached through the registry's host name."""
    if not args.debug.publish:
        return None
    host = args.host if args.debug.bind_address in ("0.0.0.0", "::") else args.debug.bind_address
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{args.debug.effective_host_port}"


def tls_uploads(server_tls: Optional[ServerTls]) -> list[docker.ContainerUploadArgs]:
    """The server certificate (0444) and its key (0400), where the config expects them."""
    if server_tls is None:
        return []
    return [
        docker.ContainerUploadArgs(file=LAYOUT.certificate, content=server_tls.certificate_pem, permissions=PUBLIC_FILE_MODE),
        docker.ContainerUploadArgs(file=LAYOUT.private_key, content=server_tls.private_key_pem, permissions=SECRET_FILE_MODE),
    ]


def registry_container(
    name: str,
    args: SelfHostedRegistryArgs,
    *,
    image_id: pulumi.Input[str],
    volume: Optional[docker.Volume],
    uploads: list[docker.ContainerUploadArgs],
    labels: dict[str, str],
    parent: pulumi.Resource,
) -> docker.Container:
    """The hardened `registry serve` container every registry:2 of the library runs as (the registry
    and its pull-through mirrors): no capabilities, no-new-privileges, a health check that replaces
    the container when edited, log options only when configured, uploads before start."""
    log_args, ignored = _log_settings(args)
    return docker.Container(
        f"{name}-container",
        name=args.name or default_container_name(name),
        image=image_id,
        entrypoints=["registry"],
        command=["serve", LAYOUT.config],
        envs=["OTEL_TRACES_EXPORTER=none"],
        restart=args.container.restart_policy,
        must_run=True,
        wait=args.container.wait_for_healthy,
        wait_timeout=_health_wait_seconds(args),
        ports=_ports(args),
        volumes=[docker.ContainerVolumeArgs(volume_name=volume.name, container_path=LAYOUT.data)] if volume else None,
        uploads=uploads,
        healthcheck=_healthcheck(args),
        labels=[docker.ContainerLabelArgs(label=k, value=v) for k, v in {**labels, **_healthcheck_labels(args)}.items()],
        capabilities=docker.ContainerCapabilitiesArgs(drops=["ALL"]),
        security_opts=["no-new-privileges:true"],
        memory=args.container.memory_mb,
        **log_args,
        opts=pulumi.ResourceOptions(
            parent=parent,
            depends_on=[volume] if volume else [],
            ignore_changes=ignored,
            replace_on_changes=[f"healthcheck.{field}" for field in HEALTHCHECK_FIELDS_DOCKER_KEEPS],
        ),
    )


def login_command(login_server: str, user: Optional[str]) -> Optional[str]:
    """`docker login` for an htpasswd user (password on stdin; the CA goes in /etc/docker/certs.d/<server>/ca.crt)."""
    if user is None:
        return None
    return f"docker login {login_server} --username {user} --password-stdin"


class SelfHostedRegistry(pulumi.ComponentResource):
    """registry:2 on Docker with TLS, htpasswd users and a persistent volume."""

    access: RegistryAccess
    """The shared output shape (login server, first user, password, CA, docker config.json)."""
    endpoint: pulumi.Output[str]
    login_server: pulumi.Output[str]
    ca_certificate_pem: pulumi.Output[Optional[str]]
    user_passwords: pulumi.Output[Mapping[str, str]]
    """User name -> password, secret."""
    container_name: pulumi.Output[str]
    volume_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: SelfHostedRegistryArgs | Mapping[str, Any],
        opts: Optional[pulumi.ResourceOptions] = None,
    ):
        args = SelfHostedRegistryArgs.coerce(args)
        super().__init__(TYPE, name, None, opts)
        self.settings = args
        child = pulumi.ResourceOptions(parent=self)
        labels = _labels(name)

        image = docker.RemoteImage(f"{name}-image", name=args.image, keep_locally=True, opts=child)
        # Object storage holds the data itself: no volume then (the container keeps nothing).
        volume = None
        if args.storage.uses_volume:
            volume = docker.Volume(
                f"{name}-data",
                name=args.volume.name or default_volume_name(name),
                labels=[docker.VolumeLabelArgs(label=k, value=v) for k, v in labels.items()],
                opts=_volume_options(self, args),
            )
        http_secret = random.RandomPassword(f"{name}-http-secret", length=64, special=False, opts=child)

        server_tls: ServerTls | None = None
        if args.tls.mode == "generated":
            server_tls = generated_tls(name, args.tls, args.host, self)
        elif args.tls.mode == "provided":
            server_tls = provided_tls(args.tls)

        config_secrets = {path: secret_output(value) for path, value in args.config_secrets().items()}
        rendered = pulumi.Output.all(http_secret.result, pulumi.Output.all(**config_secrets)).apply(
            lambda values: render_registry_config(args, http_secret=values[0], secrets=values[1])
        )
        uploads = [
            docker.ContainerUploadArgs(
                file=LAYOUT.config, content=pulumi.Output.secret(rendered), permissions=SECRET_FILE_MODE
            )
        ]
        gcs = args.storage.gcs
        if gcs is not None and gcs.keyfile is not None:
            uploads.append(
                docker.ContainerUploadArgs(
                    file=LAYOUT.gcs_keyfile, content=secret_output(gcs.keyfile), permissions=SECRET_FILE_MODE
                )
            )
        uploads += tls_uploads(server_tls)
        passwords: dict[str, pulumi.Output[str]] = {}
        self.token_server: Optional[TokenServer] = None
        if args.auth == "htpasswd":
            users = htpasswd_users(name, args.users, args.bcrypt_cost, self)
            passwords = users.passwords
            uploads.append(
                docker.ContainerUploadArgs(file=LAYOUT.htpasswd, content=users.htpasswd, permissions=SECRET_FILE_MODE)
            )
        elif args.auth == "token":
            hashed = hashed_users(name, args.users, args.bcrypt_cost, self)
            passwords = hashed.passwords
            self.token_server = TokenServer(
                name, args, hashed.hashes, server_tls, labels, default_container_name(name), self
            )
            uploads.append(
                docker.ContainerUploadArgs(
                    file=LAYOUT.token_certificate,
                    content=self.token_server.signing_certificate_pem,
                    permissions=PUBLIC_FILE_MODE,
                )
            )

        container = registry_container(
            name, args, image_id=image.image_id, volume=volume, uploads=uploads,
            labels={**labels, **args.container.labels}, parent=self,
        )

        self.server_tls = server_tls  # the CA a mirror's certificate comes from (selfhosted/mirror.py)
        first_user = args.users[0].name if passwords else None
        self.user_names = list(passwords)
        self.endpoint = pulumi.Output.from_input(args.endpoint)
        self.login_server = pulumi.Output.from_input(args.login_server)
        self.ca_certificate_pem = server_tls.ca_certificate_pem if server_tls else pulumi.Output.from_input(None)
        self.user_passwords = pulumi.Output.secret(pulumi.Output.from_input(passwords))
        self.container_name = container.name
        self.debug_endpoint = pulumi.Output.from_input(debug_endpoint(args))
        self.storage_driver = args.storage.driver
        self.volume_name = volume.name if volume else pulumi.Output.from_input(None)
        identity_type, role_access = "htpasswd-user", {user: "push" for user in passwords}
        if args.auth == "token":
            identity_type = "token-user"
            role_access = {user.name: ROLE_ACCESS[user.role] for user in args.users}
        self.access = RegistryAccess.create(
            "self-hosted",
            endpoint=self.endpoint,
            login_server=self.login_server,
            username=first_user,
            password=passwords[first_user] if first_user else None,
            ca_certificate_pem=self.ca_certificate_pem,
            login_command=login_command(args.login_server, first_user),
            identities=[
                CiIdentity(name=user, access=role_access[user], type=identity_type, id=pulumi.Output.from_input(user))
                for user in passwords
            ],
        )
        self.register_outputs(
            {
                "endpoint": self.endpoint,
                "loginServer": self.login_server,
                "caCertificatePem": self.ca_certificate_pem,
                "userPasswords": self.user_passwords,
                "containerName": self.container_name,
                "volumeName": self.volume_name,
                "tokenAuth": self.token_server.public() if self.token_server else None,
            }
        )

    def stack_outputs(self) -> dict[str, Any]:
        """What the stack program exports for this registry (besides the shared shape)."""
        return {
            "selfHosted": {
                "endpoint": self.endpoint,
                "loginServer": self.login_server,
                "caCertificatePem": self.ca_certificate_pem,
                "users": list(self.user_names),
                "containerName": self.container_name,
                "volumeName": self.volume_name,
                "debugEndpoint": self.debug_endpoint,
                "storage": self.storage_driver,
                "tokenAuth": self.token_server.public() if self.token_server else None,
            },
            "selfHostedUserPasswords": self.user_passwords,
        }
