"""Settings of the self-hosted registry (`registry-platform:selfHosted`).

`SelfHostedRegistryArgs` is both the `selfHosted` section of the stack config and the args a Python
user passes to `SelfHostedRegistry`. Defaults are the secure ones: TLS and htpasswd on, loopback
bind, delete API off, pinned image.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from .base import SecretInput, SettingsModel, checked, unique_names
from .certificates import certificate_names, covers, key_problem, load_certificate
from .docker import DockerClaim, claim_problems
from .formats import (
    docker_name_problem,
    duration_nanoseconds,
    htpasswd_user_problem,
    image_reference_problem,
    is_ip_address,
    san_problem,
)
from .notifications import NotificationSettings
from .storage import (
    OBJECT_STORAGE_KEYS,
    AzureSettings,
    FilesystemSettings,
    GcsSettings,
    RedisSettings,
    S3Settings,
    StorageDriver,
)
from .token_auth import Role, TokenAuthSettings
from .values import Duration, HeaderName, IpAddress, Port

DEFAULT_IMAGE = "registry:2.8.3"
REGISTRY_CONTAINER_PORT = 5000
SUBJECT_ATTRIBUTE_MAX = 64
"""RFC 5280 upper bound of the common name and organization in a certificate subject."""


def _origin_problem(value: str) -> str | None:
    if value == "*":
        return "'*' cannot be combined with credentials; name the UI's origin (https://ui.example.com)"
    if re.match(r"^https?://[A-Za-z0-9.-]+(:\d+)?$", value):
        return None
    return f"'{value}' is not an origin (scheme://host[:port], e.g. https://ui.example.com)"


def _host_problem(value: str) -> str | None:
    if value.startswith("*"):
        return f"'{value}' is a wildcard; give the host name clients use"
    return san_problem(value)


class UserSettings(SettingsModel):
    """A registry user. With htpasswd every user can push and pull; with token auth its `role` decides."""

    name: Annotated[str, checked(htpasswd_user_problem)]
    """User name, e.g. `admin` or `ci`."""
    role: Role | None = None
    """With `auth: token` (required there): `admin` (everything, delete included), `developer` (pull
    and push) or `readonly` (pull). Not used with htpasswd, where every user has full access."""
    password: SecretInput | None = None
    """Password as a config secret; when absent, one is generated and kept in the stack state."""
    password_length: int = Field(32, ge=16, le=72)
    """Length of a generated password (letters and digits; bcrypt reads at most 72 bytes)."""

    @field_validator("password")
    @classmethod
    def _password_fits_bcrypt(cls, value):
        if isinstance(value, SecretStr):
            size = len(value.get_secret_value().encode())
            if size < 12 or size > 72:
                raise ValueError("must be 12-72 bytes long (bcrypt ignores bytes past 72)")
        return value


class TlsSettings(SettingsModel):
    """Where the server certificate comes from. `generated` makes a private CA with pulumi-tls."""

    mode: Literal["generated", "provided", "disabled"] = "generated"
    """`generated` (private CA + server certificate), `provided` (bring your own), `disabled` (plain HTTP)."""
    sans: list[Annotated[str, checked(san_problem)]] = Field(
        default_factory=lambda: ["localhost", "127.0.0.1"], min_length=1
    )
    """Subject alternative names of the generated server certificate: DNS names and IP addresses."""
    key_algorithm: Literal["ECDSA", "RSA"] = "ECDSA"
    """Key type of the generated CA and server keys (ECDSA P-256, or RSA with `rsaBits`)."""
    rsa_bits: Literal[2048, 3072, 4096] = 4096
    """RSA key size when `keyAlgorithm` is RSA."""
    organization: str = Field("registry-platform", min_length=1, max_length=SUBJECT_ATTRIBUTE_MAX)
    """Organization (O) in the generated certificates' subject (1-64 characters, RFC 5280)."""
    ca_validity_hours: int = Field(87600, ge=24)
    """Validity of the generated CA certificate (default 10 years)."""
    validity_hours: int = Field(8760, ge=24)
    """Validity of the generated server certificate (default 1 year)."""
    early_renewal_hours: int = Field(720, ge=0)
    """Renew the server certificate this long before it expires, on the first `pulumi up --refresh` in
    that window: a plain `pulumi up` does not renew it (pulumi/pulumi-tls#39), since pulumi-tls marks
    the certificate due only when a refresh reads it."""
    minimum_version: Literal["tls1.2", "tls1.3"] = "tls1.2"
    """Lowest TLS version the registry accepts."""
    certificate_pem: str | None = None
    """`provided` mode: the server certificate (PEM, leaf first, chain may follow)."""
    private_key_pem: SecretInput | None = None
    """`provided` mode: the server private key (PEM), as a config secret."""
    ca_certificate_pem: str | None = None
    """`provided` mode: the CA that clients should trust (exported as the CA output)."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        fields = {"certificatePem": "certificate_pem", "privateKeyPem": "private_key_pem"}
        if "mode" in invalid:
            return problems
        if self.mode == "provided":
            for key, attribute in fields.items():
                if attribute not in invalid and getattr(self, attribute) is None:
                    problems.append((key, "mode `provided` needs it"))
            problems.extend(self._provided_problems(invalid))
        else:
            for key, attribute in {**fields, "caCertificatePem": "ca_certificate_pem"}.items():
                if attribute not in invalid and getattr(self, attribute) is not None:
                    problems.append((key, f"only applies with mode `provided` (mode is `{self.mode}`)"))
        if self.mode == "generated" and not invalid & {"validity_hours", "early_renewal_hours", "ca_validity_hours"}:
            if self.early_renewal_hours >= self.validity_hours:
                problems.append((
                    "earlyRenewalHours",
                    f"must be less than validityHours ({self.validity_hours}); "
                    "otherwise every `pulumi up` issues a new certificate and replaces the container",
                ))
            if self.validity_hours > self.ca_validity_hours:
                problems.append(("validityHours", f"must not exceed caValidityHours ({self.ca_validity_hours})"))
        return problems

    def _provided_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        if "certificate_pem" in invalid or not isinstance(self.certificate_pem, str):
            return []
        certificate = load_certificate(self.certificate_pem)
        if certificate is None:
            return [("certificatePem", "is not a PEM certificate (-----BEGIN CERTIFICATE-----)")]
        key = self.private_key_pem
        if "private_key_pem" not in invalid and isinstance(key, SecretStr):
            problem = key_problem(certificate, key.get_secret_value())
            if problem:
                return [("privateKeyPem", problem)]
        if self.ca_certificate_pem is not None and load_certificate(self.ca_certificate_pem) is None:
            return [("caCertificatePem", "is not a PEM certificate (-----BEGIN CERTIFICATE-----)")]
        return []

    @property
    def provided_names(self) -> list[str] | None:
        """The names the provided certificate is valid for (None when there is none to read)."""
        if self.mode != "provided" or not isinstance(self.certificate_pem, str):
            return None
        certificate = load_certificate(self.certificate_pem)
        return certificate_names(certificate) if certificate else None

    @property
    def dns_names(self) -> list[str]:
        return [san for san in self.sans if not is_ip_address(san)]

    @property
    def ip_addresses(self) -> list[str]:
        return [san for san in self.sans if is_ip_address(san)]


class LogSettings(SettingsModel):
    level: Literal["error", "warn", "info", "debug"] = "info"
    """Registry log level."""
    formatter: Literal["text", "json", "logstash"] = "text"
    """Log line format."""
    access_log: bool = True
    """Log every HTTP request."""
    fields: dict[str, str] = Field(default_factory=dict)
    """Extra fields on every log line (`service: registry` is always set and cannot be replaced)."""

    @field_validator("fields")
    @classmethod
    def _service_is_fixed(cls, fields: dict[str, str]) -> dict[str, str]:
        if "service" in fields:
            raise ValueError(
                "`service` is always `registry` (log pipelines find the registry by it) and cannot be set here; "
                "add your own key instead (e.g. `env: dev`)"
            )
        return fields


class UploadPurgingSettings(SettingsModel):
    enabled: bool = True
    """Remove abandoned upload directories."""
    age: Duration = "168h"
    """Purge uploads older than this."""
    interval: Duration = "24h"
    """How often to look for old uploads."""
    dry_run: bool = False
    """Only log what would be purged."""


class StorageSettings(SettingsModel):
    """Where blobs live: the filesystem of a named Docker volume at /var/lib/registry (default), or
    one object storage backend (`s3`, `azure`, `gcs`; then no volume is declared)."""

    filesystem: FilesystemSettings | None = None
    """Filesystem backend options (the backend used when no other is set)."""
    s3: S3Settings | None = None
    """Amazon S3 or an S3-compatible server."""
    azure: AzureSettings | None = None
    """Azure blob storage."""
    gcs: GcsSettings | None = None
    """Google Cloud Storage."""
    redirect: bool = True
    """With object storage, send clients straight to the storage for blob downloads (they must be able
    to reach it); `false` streams every blob through the registry."""
    delete_enabled: bool = False
    """Allow the DELETE API (needed before garbage collection can reclaim space)."""
    blob_descriptor_cache: Literal["inmemory", "redis", "none"] | None = None
    """Cache of blob descriptors: `inmemory`, `redis` (needs `selfHosted.redis`) or `none`;
    default `redis` when `selfHosted.redis` is set, `inmemory` otherwise."""
    upload_purging: UploadPurgingSettings = Field(default_factory=UploadPurgingSettings)
    """Clean-up of abandoned uploads."""
    read_only: bool = False
    """Maintenance switch: refuse writes (set it while running garbage-collect)."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        given = [key for key in ("filesystem", *OBJECT_STORAGE_KEYS) if key not in invalid and getattr(self, key) is not None]
        return [
            (key, f"only one storage backend may be set, and `{given[0]}` is; remove one of them")
            for key in given[1:]
        ]

    @property
    def driver(self) -> StorageDriver:
        """The one backend in use (filesystem unless an object storage is set)."""
        return next((key for key in OBJECT_STORAGE_KEYS if getattr(self, key) is not None), "filesystem")

    @property
    def uses_volume(self) -> bool:
        return self.driver == "filesystem"


class CorsSettings(SettingsModel):
    """CORS response headers, for a registry UI served from another origin."""

    allow_origin: Annotated[str, checked(_origin_problem)]
    """The one origin allowed (Access-Control-Allow-Origin), e.g. `https://ui.example.com`."""
    allow_methods: list[Literal["HEAD", "GET", "OPTIONS", "DELETE", "POST", "PUT", "PATCH"]] = Field(
        default_factory=lambda: ["HEAD", "GET", "OPTIONS", "DELETE"], min_length=1
    )
    """Values of Access-Control-Allow-Methods."""
    allow_headers: list[HeaderName] = Field(
        default_factory=lambda: ["Authorization", "Accept", "Cache-Control"], min_length=1
    )
    """Values of Access-Control-Allow-Headers."""
    expose_headers: list[HeaderName] = Field(default_factory=lambda: ["Docker-Content-Digest"])
    """Values of Access-Control-Expose-Headers (a UI needs the digest to delete by it)."""


class HttpSettings(SettingsModel):
    headers: dict[HeaderName, Annotated[list[str], Field(min_length=1)]] = Field(default_factory=dict)
    """Extra response headers (`X-Content-Type-Options: nosniff` is always sent and cannot be replaced)."""
    cors: CorsSettings | None = None
    """CORS headers; off unless set."""
    http2_disabled: bool = False
    """Turn HTTP/2 off (can help push throughput on some networks)."""

    @field_validator("headers")
    @classmethod
    def _no_nosniff_override(cls, headers: dict[str, list[str]]) -> dict[str, list[str]]:
        for name in headers:
            if name.lower() == "x-content-type-options":
                raise ValueError("X-Content-Type-Options is always `nosniff` and cannot be set here")
            if name.lower().startswith("access-control-"):
                raise ValueError(f"{name}: set CORS headers with `http.cors`")
        return headers


class DebugSettings(SettingsModel):
    """The debug server: /debug/health (used by the container health check) and Prometheus /metrics."""

    port: Port = 5001
    """Port of the debug server inside the container."""
    prometheus: bool = False
    """Serve Prometheus metrics at /metrics on the debug server."""
    publish: bool = False
    """Publish the debug port on the host (it stays on the container's loopback otherwise)."""
    host_port: Port | None = None
    """Host port when published (defaults to `port`)."""
    bind_address: IpAddress = "127.0.0.1"
    """Host address the published debug port binds to; keep it private."""

    @property
    def effective_host_port(self) -> int:
        return self.host_port or self.port


class HealthSettings(SettingsModel):
    storage_driver_check: bool = True
    """Probe the storage driver; the registry reports unhealthy when it fails."""
    interval: Duration = "10s"
    """Time between storage probes."""
    threshold: int = Field(3, ge=1)
    """Failed probes before the registry reports unhealthy."""


class ContainerHealthcheckSettings(SettingsModel):
    """Docker probes /debug/health every `startInterval` until the first success (at most for
    `startPeriod`), then every `interval`."""

    interval: Duration = "10s"
    """Time between Docker health checks (at least 1ms). Docker runs the first probe one `interval`
    after start, so this is also about how long `pulumi up` waits for a new container to be healthy;
    a probe is one busybox `wget` on the container's loopback."""
    timeout: Duration = "5s"
    """Time a health check may take."""
    retries: int = Field(3, ge=1)
    """Failures before Docker marks the container unhealthy."""
    start_period: Duration = "30s"
    """Grace period after start: failures do not count, and probes run every `startInterval`."""
    start_interval: Duration | None = None
    """Time between probes during `startPeriod` (Docker Engine 25+, API 1.44). With `1s` a new container
    is healthy about a second after it starts, and `interval` can then be long (e.g. 30s). Off by
    default: Docker's Go client (which the provider uses) refuses to create a container with it
    against an older engine, so `pulumi up` would fail there (Debian bookworm's docker.io 20.10)."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        if invalid & {"start_interval", "interval"} or self.start_interval is None:
            return []
        if duration_nanoseconds(self.start_interval) > duration_nanoseconds(self.interval):
            return [("startInterval", f"must not be longer than `interval` ({self.interval}); it speeds up the first probes")]
        return []


def _log_size_problem(value: str) -> str | None:
    if re.match(r"^[1-9]\d*[kmg]$", value):
        return None
    return f"'{value}' is not a positive size; give a whole number and k, m or g (e.g. 10m)"


class ContainerLogSettings(SettingsModel):
    """Log rotation of the container, set by the component instead of the engine's defaults."""

    driver: Literal["json-file", "local"] = "json-file"
    """Docker logging driver (both rotate by size; `docker logs` reads either)."""
    max_size: Annotated[str, checked(_log_size_problem)] = "10m"
    """Rotate the log at this size (e.g. 10m)."""
    max_files: int = Field(3, ge=1)
    """Log files to keep, the current one included."""

    @property
    def options(self) -> dict[str, str]:
        return {"max-size": self.max_size, "max-file": str(self.max_files)}


class ContainerSettings(SettingsModel):
    restart_policy: Literal["no", "on-failure", "always", "unless-stopped"] = "unless-stopped"
    """Docker restart policy."""
    memory_mb: int | None = Field(None, ge=64)
    """Memory limit in MiB (no limit when absent)."""
    labels: dict[str, str] = Field(default_factory=dict)
    """Extra Docker labels on the container."""
    healthcheck: ContainerHealthcheckSettings = Field(default_factory=ContainerHealthcheckSettings)
    """Docker health check (probes /debug/health inside the container)."""
    wait_for_healthy: bool = True
    """Make `pulumi up` wait until the container reports healthy."""
    log: ContainerLogSettings | None = None
    """Log driver and rotation; when absent, the engine's defaults apply (`log-driver`/`log-opts` in
    daemon.json) and a deployed container keeps the log options it was created with."""

    @model_validator(mode="before")
    @classmethod
    def _moved_log_keys(cls, data):
        if isinstance(data, dict) and {"logMaxSize", "logMaxFiles", "log_max_size", "log_max_files"} & set(data):
            raise ValueError(
                "`logMaxSize`/`logMaxFiles` moved to `log: {maxSize, maxFiles}` "
                "(leave `log` out to use the Docker engine's own log settings)"
            )
        return data


class VolumeSettings(SettingsModel):
    name: Annotated[str, checked(docker_name_problem)] | None = None
    """Docker volume holding /var/lib/registry. Default `<project>-<stack>-<component>-data` (e.g.
    `registry-platform-dev-self-hosted-data`), fixed once created: renaming the stack or the container
    keeps the volume. Setting it moves the registry to that (new, empty) volume."""
    retain_on_delete: bool = True
    """Keep the volume (and its images) when the stack is destroyed."""


class SelfHostedRegistryArgs(SettingsModel):
    """A hardened `registry:2` on a Docker engine: TLS, htpasswd users, persistent storage."""

    name: Annotated[str, checked(docker_name_problem)] | None = None
    """Docker container name (default `<project>-<stack>-<component>`, e.g. `registry-platform-dev-self-hosted`)."""
    image: Annotated[str, checked(image_reference_problem)] = DEFAULT_IMAGE
    """Pinned registry image: a version tag or a digest (`registry:2.8.3`, `registry@sha256:...`)."""
    host: Annotated[str, checked(_host_problem)] = "localhost"
    """Host name clients use; must be one of `tls.sans` when TLS is generated."""
    port: Port = 5000
    """Host port the registry is published on."""
    bind_address: IpAddress = "127.0.0.1"
    """Host address the port binds to (`0.0.0.0` to expose it beyond this machine)."""
    auth: Literal["htpasswd", "token", "none"] = "htpasswd"
    """`htpasswd` (users below, full access, needs TLS), `token` (users with roles, through a
    cesanta/docker_auth container, needs TLS) or `none` (anyone who reaches the port can push)."""
    users: Annotated[list[UserSettings], unique_names("user")] = Field(
        default_factory=list
    )
    """Users (htpasswd or token auth); the first is the one in the shared registry outputs."""
    token: TokenAuthSettings | None = None
    """Token server settings with `auth: token` (defaults apply when absent)."""
    bcrypt_cost: int = Field(10, ge=10, le=14)
    """bcrypt cost of the htpasswd entries (the registry checks it on every request)."""
    tls: TlsSettings = Field(default_factory=TlsSettings)
    """TLS settings."""
    log: LogSettings = Field(default_factory=LogSettings)
    """Logging."""
    storage: StorageSettings = Field(default_factory=StorageSettings)
    """Storage behaviour."""
    http: HttpSettings = Field(default_factory=HttpSettings)
    """HTTP headers, CORS, HTTP/2."""
    debug: DebugSettings = Field(default_factory=DebugSettings)
    """Debug server (health and metrics)."""
    health: HealthSettings = Field(default_factory=HealthSettings)
    """Registry health checks."""
    container: ContainerSettings = Field(default_factory=ContainerSettings)
    """Docker container settings."""
    volume: VolumeSettings = Field(default_factory=VolumeSettings)
    """Docker volume settings (filesystem storage only)."""
    redis: RedisSettings | None = None
    """Redis for the blob-descriptor cache (several replicas share one); off when absent."""
    notifications: NotificationSettings | None = None
    """Webhook endpoints for registry events; off when absent."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        problems.extend(self._auth_problems(invalid))
        problems.extend(self._storage_problems(invalid))
        if not invalid & {"tls", "host"}:
            if self.tls.mode == "generated" and self.host not in self.tls.sans:
                problems.append((
                    "host",
                    f"'{self.host}' is not in tls.sans {self.tls.sans}; clients would reject the certificate",
                ))
            names = self.tls.provided_names
            if names is not None and not covers(names, self.host):
                problems.append(("host", f"'{self.host}' is not among the provided certificate's names {names}"))
        if "debug" not in invalid and self.debug.port == REGISTRY_CONTAINER_PORT:
            problems.append(("debug.port", f"must differ from the registry's own port {REGISTRY_CONTAINER_PORT}"))
        if not invalid & {"name", "port", "bind_address", "debug", "auth", "token"}:
            problems.extend(claim_problems(self.docker_claims()))
        return problems

    def _auth_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if "auth" in invalid:
            return problems
        if self.auth in ("htpasswd", "token"):
            if "users" not in invalid and not self.users:
                problems.append(("users", f"auth `{self.auth}` needs at least one user (or set `auth: none` explicitly)"))
            if "tls" not in invalid and self.tls.mode == "disabled":
                problems.append((
                    "tls.mode",
                    f"auth `{self.auth}` needs TLS: docker clients refuse basic auth over plain HTTP "
                    "(use `generated` or `provided`)",
                ))
        elif "users" not in invalid and self.users:
            problems.append(("users", "users are only used with `auth: htpasswd` or `token` (auth is `none`)"))
        if "users" not in invalid:
            for index, user in enumerate(self.users):
                if self.auth == "token" and user.role is None:
                    problems.append((f"users[{index}].role", "auth `token` needs a role per user: admin, developer or readonly"))
                elif self.auth == "htpasswd" and user.role is not None:
                    problems.append((
                        f"users[{index}].role",
                        "roles need `auth: token`; with htpasswd every user has full access",
                    ))
        if "token" not in invalid and self.token is not None and self.auth != "token":
            problems.append(("token", f"only applies with `auth: token` (auth is `{self.auth}`)"))
        return problems

    def _storage_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if "storage" in invalid:
            return problems
        if self.storage.blob_descriptor_cache == "redis" and "redis" not in invalid and self.redis is None:
            problems.append(("storage.blobDescriptorCache", "`redis` needs `selfHosted.redis` (address, ...)"))
        if "volume" not in invalid and not self.storage.uses_volume and self.volume.name is not None:
            problems.append((
                "volume.name",
                f"only applies to filesystem storage: with `storage.{self.storage.driver}` no volume is declared",
            ))
        return problems

    def docker_claims(self, root: str = "") -> list[DockerClaim]:
        """The container name (when set; the default is unique per component) and the host ports
        this registry takes on the Docker engine, with their config paths under `root`."""
        prefix = f"{root}." if root else ""
        claims = []
        if self.name is not None:
            claims.append(DockerClaim("container name", self.name, f"{prefix}name"))
        claims.append(DockerClaim("host port", self.port, f"{prefix}port", self.bind_address))
        if self.debug.publish:
            key = "hostPort" if self.debug.host_port is not None else "port"
            claims.append(
                DockerClaim("host port", self.debug.effective_host_port, f"{prefix}debug.{key}", self.debug.bind_address)
            )
        if self.auth == "token":
            token = self.token_settings
            if token.name is not None:
                claims.append(DockerClaim("container name", token.name, f"{prefix}token.name"))
            claims.append(DockerClaim("host port", token.port, f"{prefix}token.port", self.token_bind_address))
        return claims

    def config_secrets(self) -> dict[str, Any]:
        """Secret settings that go into config.yml, by config path (values: `SecretStr` or `Output`).

        The component resolves them into plain text for the renderer; the rendered file is a secret.
        """
        found: dict[str, Any] = {}
        s3, azure = self.storage.s3, self.storage.azure
        if s3 is not None and s3.access_key is not None:
            found["storage.s3.accessKey"] = s3.access_key
            found["storage.s3.secretKey"] = s3.secret_key
        if azure is not None:
            found["storage.azure.accountKey"] = azure.account_key
        if self.redis is not None and self.redis.password is not None:
            found["redis.password"] = self.redis.password
        if self.notifications is not None:
            for index, endpoint in enumerate(self.notifications.endpoints):
                if endpoint.auth_header is not None:
                    found[f"notifications.endpoints[{index}].authHeader.value"] = endpoint.auth_header.value
        return found

    @property
    def token_settings(self) -> TokenAuthSettings:
        """The token server settings (their defaults when `token` is absent)."""
        return self.token or TokenAuthSettings()

    @property
    def token_bind_address(self) -> str:
        return self.token_settings.bind_address or self.bind_address

    @property
    def token_realm(self) -> str:
        """Where clients get tokens: `token.realm`, or docker_auth's /auth on the registry's host."""
        token = self.token_settings
        if token.realm:
            return token.realm
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{token.port}/auth"

    @property
    def blob_descriptor_cache(self) -> str:
        """The cache in effect: as set, else `redis` with `selfHosted.redis`, else `inmemory`."""
        if self.storage.blob_descriptor_cache is not None:
            return self.storage.blob_descriptor_cache
        return "redis" if self.redis is not None else "inmemory"

    @property
    def login_server(self) -> str:
        """What `docker login` takes: `host:port` (just `host` on 443)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == 443 else f"{host}:{self.port}"

    @property
    def scheme(self) -> str:
        return "http" if self.tls.mode == "disabled" else "https"

    @property
    def endpoint(self) -> str:
        return f"{self.scheme}://{self.login_server}"

    @property
    def user_names(self) -> list[str]:
        return [user.name for user in self.users]

