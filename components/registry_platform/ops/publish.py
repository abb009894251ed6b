"""`RegistryPublisher`: build an image once and push it to every registry of a stack.

One `pulumi_docker_build.Image` does the work: BuildKit builds the context once and pushes the same
manifest under every tag (`<loginServer>/<repository>:<version>` and `:<buildId>` for each registry),
logging in to each registry with the `registries` entry made from its `RegistryAccess`. So every
registry receives the same digest, and the digest is an output.

Login, per registry:

- a registry whose access carries a **lasting password** (self-hosted htpasswd user, ACR token,
  Docker Hub from config) gets a `registries` entry (address, username, password); the password
  stays a Pulumi secret;
- a registry without one gets **no entry**: ECR by identity (the default), and any registry whose
  password expires (`passwordExpiresAt` set: ECR with `exportLoginToken`, a Google access token),
  since such a token would change the build's inputs on every `pulumi up` and go stale in the state
  (see `lasting_password`). BuildKit then uses the docker login of the machine running
  `pulumi up` (its `~/.docker/config.json`, e.g. the `ecr-login` credential helper of a CI job that
  assumed the stack's CI role, or `loginCommand` run before `pulumi up`). The publisher never fetches a token with the deployer's identity. Each
  target's `login` output says which way it goes (`password` or `ambient`).

The builder must trust each registry's CA (`caCertificatePem`): docker-build has no per-registry CA
input; with the default `docker` driver that is `/etc/docker/certs.d/<loginServer>/ca.crt` on the
engine's host (the `caCertificates` output lists what to install).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Mapping, Optional, Sequence

import pulumi
import pulumi_docker_build as docker_build
from pydantic import Field

from ..access import RegistryAccess
from ..settings.base import SecretInput, SettingsModel, checked, secret_output

TYPE = "registry-platform:ops:RegistryPublisher"
DOCKER_HUB = "dockerHub"
DOCKER_HUB_ADDRESS = "docker.io"

_TAG = re.compile(r"^[\w][\w.-]{0,127}$")
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REPOSITORY = re.compile(rf"^{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*$")


def tag_problem(value: str) -> str | None:
    if _TAG.match(value):
        return None
    return f"'{value}' is not a docker tag (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')"


def repository_problem(value: str) -> str | None:
    if _REPOSITORY.match(value) and len(value) <= 255:
        return None
    return f"'{value}' is not a repository path (lowercase components separated by '/', e.g. team/api)"


Tag = Annotated[str, checked(tag_problem)]
Repository = Annotated[str, checked(repository_problem)]


class DockerHubSettings(SettingsModel):
    """Docker Hub as one more target, with credentials from config (an access token, as a secret)."""

    repository: Repository
    """`<namespace>/<name>` on Docker Hub, e.g. `acme/api`."""
    username: str
    """Docker Hub user (or organisation bot) that owns the access token."""
    password: SecretInput
    """A Docker Hub access token with write access, as a config secret or a `pulumi.Output`."""


class PublishArgs(SettingsModel):
    """What to build and how to tag it. Registries come from the stack (`RegistryAccess` objects)."""

    repository: Repository
    """Repository path in every registry, e.g. `team/api` (override per registry with `repositories`)."""
    version: Tag
    """Version tag, e.g. `1.4.2`."""
    build_id: Tag
    """Build identifier tag, e.g. the CI run number `build-5812` or a commit SHA."""
    context: str = "."
    """Build context directory."""
    dockerfile: Optional[str] = None
    """Dockerfile path (default: `Dockerfile` in the context)."""
    build_args: dict[str, str] = Field(default_factory=dict)
    """`--build-arg` values (plain: do not put secrets here)."""
    target: Optional[str] = None
    """Build stage to stop at (`--target`)."""
    platforms: list[str] = Field(default_factory=list)
    """Target platforms, e.g. `linux/amd64`, `linux/arm64` (default: the builder's)."""
    registries: Optional[list[str]] = None
    """Keys of the registries to push to (default: every registry given)."""
    repositories: dict[str, Repository] = Field(default_factory=dict)
    """Registry key -> repository path there, where it differs (an ECR repository's name, a GAR
    `<project>/<repository>/<image>` when its loginServer is the bare host)."""
    docker_hub: Optional[DockerHubSettings] = None
    """Also push to Docker Hub (off when absent)."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems = []
        if not invalid & {"registries", "docker_hub"} and self.registries == [] and self.docker_hub is None:
            problems.append(("registries", "is empty and there is no dockerHub: nothing to push to"))
        return problems

    @property
    def tags(self) -> list[str]:
        return list(dict.fromkeys([self.version, self.build_id]))


def registry_address(login_server: str) -> str:
    """What `docker login` takes: the host[:port] part of a login server (GAR's may carry a path)."""
    return login_server.split("/", 1)[0]


def image_name(login_server: str, repository: str) -> str:
    return f"{login_server.rstrip('/')}/{repository}"


class PublishTarget:
    """One registry the image goes to (plain values known at declaration, the rest as outputs)."""

    def __init__(
        self,
        key: str,
        login_server: pulumi.Input[str],
        repository: str,
        tags: list[str],
        username: pulumi.Input[Optional[str]],
        password: pulumi.Input[Optional[str]],
        ca_certificate_pem: pulumi.Input[Optional[str]] = None,
    ):
        self.key = key
        self.login_server = pulumi.Output.from_input(login_server)
        self.repository = repository
        self.image = self.login_server.apply(lambda server: image_name(server, repository))
        self.tags = self.image.apply(lambda image: [f"{image}:{tag}" for tag in tags])
        self.username = pulumi.Output.from_input(username)
        self.password = pulumi.Output.secret(password)
        self.ca_certificate_pem = pulumi.Output.from_input(ca_certificate_pem)
        # Whether a password exists is not a secret, the password is.
        self.login: pulumi.Output[str] = pulumi.Output.unsecret(
            self.password.apply(lambda value: "password" if value else "ambient")
        )

    def registry_entry(self) -> pulumi.Output[Optional[dict[str, Any]]]:
        """The docker-build `registries` entry (secret), or None to use the builder's own login."""
        return pulumi.Output.all(self.login_server, self.username, self.password).apply(
            lambda values: {"address": registry_address(values[0]), "username": values[1], "password": values[2]}
            if values[2]
            else None
        )


def registries_from_stack(stack: pulumi.StackReference, keys: Sequence[str]) -> dict[str, RegistryAccess]:
    """The registries of another (registry-platform) stack, for a program that only publishes.

    Reads that stack's `registries` and `registryCredentials` outputs; the password stays secret.
    `keys` names the registries (`selfHosted`, `aws`...): a program must know its resources before
    the reference resolves. `kind` is `stack-reference` (the publisher does not need it).
    """
    public = stack.require_output("registries")
    credentials = pulumi.Output.secret(stack.require_output("registryCredentials"))

    def field(output: pulumi.Output, key: str, name: str) -> pulumi.Output:
        return output.apply(lambda values: ((values or {}).get(key) or {}).get(name))

    return {
        key: RegistryAccess.create(
            "stack-reference",
            endpoint=field(public, key, "endpoint"),
            login_server=field(public, key, "loginServer"),
            username=field(public, key, "username"),
            password=field(credentials, key, "password"),
            ca_certificate_pem=field(public, key, "caCertificatePem"),
            password_expires_at=field(public, key, "passwordExpiresAt"),
            login_command=field(public, key, "loginCommand"),
        )
        for key in keys
    }


def lasting_password(access: RegistryAccess) -> pulumi.Output[Optional[str]]:
    """The registry's password, unless it expires (an ECR or Google token fetched on every `pulumi up`):
    handed to the build, such a token would change the image's inputs on every run and rebuild it,
    and go stale in the state; those registries use the builder's own (ambient) login instead."""
    return pulumi.Output.all(access.password, access.password_expires_at).apply(
        lambda values: None if values[1] else values[0]
    )


def _targets(args: PublishArgs, registries: Mapping[str, RegistryAccess]) -> list[PublishTarget]:
    wanted = args.registries if args.registries is not None else sorted(registries)
    unknown = [key for key in [*wanted, *args.repositories] if key not in registries]
    if unknown:
        raise ValueError(
            f"RegistryPublisher: unknown registry key(s) {sorted(set(unknown))}; the stack has {sorted(registries)}"
        )
    targets = [
        PublishTarget(
            key,
            registries[key].login_server,
            args.repositories.get(key, args.repository),
            args.tags,
            registries[key].username,
            lasting_password(registries[key]),
            registries[key].ca_certificate_pem,
        )
        for key in wanted
    ]
    if args.docker_hub is not None:
        hub = args.docker_hub
        targets.append(
            PublishTarget(DOCKER_HUB, DOCKER_HUB_ADDRESS, hub.repository, args.tags, hub.username, secret_output(hub.password))
        )
    return targets


class RegistryPublisher(pulumi.ComponentResource):
    """Builds one image and pushes it, tagged with the version and the build id, to every registry."""

    digest: pulumi.Output[str]
    """The manifest digest every registry received (`sha256:...`)."""
    references: pulumi.Output[dict[str, dict[str, Any]]]
    """Registry key -> `image`, `tags` (full references), `digestReference` (`image@digest`),
    `references` (`image:tag@digest` for each tag) and `login` (`password` or `ambient`)."""
    ca_certificates: pulumi.Output[dict[str, str]]
    """Login server -> CA the builder must trust, for registries with a private CA."""
    image: Any
    """The `pulumi_docker_build.Image` child."""

    def __init__(
        self,
        name: str,
        args: PublishArgs | Mapping[str, Any],
        registries: Mapping[str, RegistryAccess],
        opts: Optional[pulumi.ResourceOptions] = None,
    ):
        args = PublishArgs.coerce(args)
        targets = _targets(args, registries)
        super().__init__(TYPE, name, None, opts)

        entries = pulumi.Output.all(*[target.registry_entry() for target in targets]).apply(
            lambda items: [item for item in items if item is not None]
        )
        tags = pulumi.Output.all(*[target.tags for target in targets]).apply(
            lambda lists: [tag for tag_list in lists for tag in tag_list]
        )
        self.image = docker_build.Image(
            f"{name}-image",
            context=docker_build.BuildContextArgs(location=args.context),
            dockerfile=docker_build.DockerfileArgs(location=args.dockerfile) if args.dockerfile else None,
            build_args=args.build_args or None,
            target=args.target,
            platforms=args.platforms or None,
            tags=tags,
            registries=pulumi.Output.secret(entries),
            labels={"org.opencontainers.image.version": args.version},
            push=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        # A content hash, never secret, even when the provider returns it from secret-bearing inputs.
        self.digest = pulumi.Output.unsecret(self.image.digest)
        self.references = pulumi.Output.all(
            self.digest, *[pulumi.Output.all(t.image, t.tags, t.login) for t in targets]
        ).apply(lambda values: _references(targets, values[0], values[1:]))
        self.ca_certificates = pulumi.Output.all(
            *[pulumi.Output.all(t.login_server, t.ca_certificate_pem) for t in targets]
        ).apply(lambda pairs: {registry_address(server): ca for server, ca in pairs if ca})
        self.register_outputs({"digest": self.digest, "references": self.references})


def _references(targets: list[PublishTarget], digest: str, values: list) -> dict[str, dict[str, Any]]:
    result = {}
    for target, (image, tags, login) in zip(targets, values):
        result[target.key] = {
            "image": image,
            "tags": tags,
            "digestReference": f"{image}@{digest}" if digest else None,
            "references": [f"{tag}@{digest}" for tag in tags] if digest else [],
            "login": login,
        }
    return result
