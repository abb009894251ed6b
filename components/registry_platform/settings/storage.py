"""Where the self-hosted registry keeps its blobs, and the Redis blob-descriptor cache.

One backend: the filesystem of the Docker volume (the default), S3 (or an S3-compatible server),
Azure blob storage or Google Cloud Storage. Credentials are config secrets; they end up only in the
rendered `config.yml` (a secret, 0400 upload) or, for GCS, in a 0400 key file beside it.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator

from .base import SecretInput, SettingsModel, checked
from .values import Duration, HostPort, HttpUrl

MIB = 1024 * 1024
S3_MIN_CHUNK = 5 * MIB
"""S3 multipart parts must be at least 5 MiB (the registry refuses a smaller `chunksize`)."""
S3_MAX_CHUNK = 5 * 1024 * MIB
GCS_CHUNK_UNIT = 256 * 1024
"""GCS resumable uploads go in multiples of 256 KiB."""


def _bucket_problem(value: str) -> str | None:
    if re.match(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", value) and ".." not in value:
        return None
    return f"'{value}' is not a bucket name (3-63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit)"


def _root_directory_problem(value: str) -> str | None:
    if re.match(r"^/?[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$", value):
        return None
    return f"'{value}' is not a key prefix (path segments of letters, digits, '.', '_', '-', e.g. /registry; no trailing '/')"


def aws_region_problem(value: str) -> str | None:
    if re.match(r"^[a-z]{2}(-[a-z]+)+-\d+$", value):
        return None
    return f"'{value}' is not an AWS region (e.g. eu-west-1, us-east-1; with `regionEndpoint` any name the server takes)"


def _region_problem(value: str) -> str | None:
    """Any non-blank name here (R2's `auto`, Ceph's `default`...); AWS's format is checked without an endpoint."""
    return None if value.strip() else "must not be empty"


BucketName = Annotated[str, checked(_bucket_problem)]
RootDirectory = Annotated[str, checked(_root_directory_problem)]


class FilesystemSettings(SettingsModel):
    """The registry's data on the Docker volume mounted at /var/lib/registry (the default backend)."""

    max_threads: int = Field(100, ge=25)
    """Most concurrent filesystem operations (the registry's minimum is 25)."""


class S3Settings(SettingsModel):
    """Amazon S3, or an S3-compatible server (MinIO, Ceph, ...) through `regionEndpoint`."""

    bucket: BucketName
    """Bucket holding the registry's data (it must exist)."""
    region: Annotated[str, checked(_region_problem)]
    """AWS region of the bucket, e.g. eu-west-1 (any valid name with `regionEndpoint`)."""
    region_endpoint: HttpUrl | None = None
    """Endpoint of an S3-compatible server, e.g. http://minio.internal:9000 (default: AWS)."""
    force_path_style: bool | None = None
    """Address the bucket in the path (`host/bucket/key`) instead of the host name; default true with
    `regionEndpoint` (what S3-compatible servers need; registry 3 requires the key), false on AWS.
    Registry 2.8 has no such setting and ignores it: it always uses the path with `regionEndpoint`."""
    encrypt: bool = True
    """Server-side encryption of the stored objects (SSE-S3, or SSE-KMS with `keyId`)."""
    key_id: str | None = None
    """KMS key ID or ARN for SSE-KMS (needs `encrypt`)."""
    secure: bool = True
    """Talk to S3 over HTTPS (a `regionEndpoint` keeps the scheme it is written with)."""
    chunk_size: int = Field(10 * MIB, ge=S3_MIN_CHUNK, le=S3_MAX_CHUNK)
    """Multipart upload part size in bytes (S3's minimum part is 5 MiB = 5242880)."""
    access_key: SecretInput | None = None
    """Access key ID, as a config secret; leave both keys out to use the instance role (or the AWS
    environment of the container)."""
    secret_key: SecretInput | None = None
    """Secret access key, as a config secret (with `accessKey`)."""
    root_directory: RootDirectory | None = None
    """Key prefix of everything the registry writes (e.g. /registry), to share a bucket."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if not invalid & {"access_key", "secret_key"}:
            if (self.access_key is None) != (self.secret_key is None):
                missing = "secretKey" if self.secret_key is None else "accessKey"
                given = "accessKey" if missing == "secretKey" else "secretKey"
                problems.append((
                    missing,
                    f"required with `{given}` (give both keys, or neither to use the instance role)",
                ))
        if not invalid & {"key_id", "encrypt"} and self.key_id is not None and not self.encrypt:
            problems.append(("keyId", "only applies with `encrypt: true`"))
        if not invalid & {"region", "region_endpoint"} and self.region_endpoint is None:
            problem = aws_region_problem(self.region)
            problems += [("region", problem)] if problem else []
        return problems

    @property
    def path_style(self) -> bool:
        return self.force_path_style if self.force_path_style is not None else self.region_endpoint is not None


def _azure_account_problem(value: str) -> str | None:
    if re.match(r"^[a-z0-9]{3,24}$", value):
        return None
    return f"'{value}' is not a storage account name (3-24 lowercase letters and digits)"


def _azure_container_problem(value: str) -> str | None:
    if re.match(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$", value):
        return None
    return f"'{value}' is not a blob container name (3-63 lowercase letters, digits and single '-')"


class AzureSettings(SettingsModel):
    """Azure blob storage (not in Debian's docker-registry build; the official image has it)."""

    account_name: Annotated[str, checked(_azure_account_problem)]
    """Storage account name."""
    account_key: SecretInput
    """Storage account key, as a config secret."""
    container: Annotated[str, checked(_azure_container_problem)]
    """Blob container holding the registry's data (it must exist)."""
    realm: str = "core.windows.net"
    """Storage endpoint suffix (`core.chinacloudapi.cn`, `core.usgovcloudapi.net` for sovereign clouds)."""


class GcsSettings(SettingsModel):
    """Google Cloud Storage (not in Debian's docker-registry build; the official image has it)."""

    bucket: BucketName
    """Bucket holding the registry's data (it must exist)."""
    keyfile: SecretInput | None = None
    """A service account's JSON key, as a config secret; uploaded as a 0400 file. Without it the
    registry uses the machine's credentials (GCE metadata / workload identity)."""
    root_directory: RootDirectory | None = None
    """Object name prefix of everything the registry writes, to share a bucket."""
    chunk_size: int = Field(20 * GCS_CHUNK_UNIT, ge=GCS_CHUNK_UNIT)
    """Upload chunk size in bytes, a multiple of 256 KiB (262144); default 5 MiB."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        if "chunk_size" not in invalid and self.chunk_size % GCS_CHUNK_UNIT:
            return [("chunkSize", f"must be a multiple of 262144 (256 KiB), e.g. {20 * GCS_CHUNK_UNIT}")]
        return []


StorageDriver = Literal["filesystem", "s3", "azure", "gcs"]
OBJECT_STORAGE_KEYS = ("s3", "azure", "gcs")


class RedisPoolSettings(SettingsModel):
    max_idle: int = Field(16, ge=0)
    """Idle connections kept open."""
    max_active: int = Field(64, ge=0)
    """Most connections open at once (0: no limit)."""
    idle_timeout: Duration = "300s"
    """Close connections idle this long."""


class RedisSettings(SettingsModel):
    """Redis for the blob-descriptor cache, shared by every replica of one registry (`allkeys-lru`
    is the eviction policy to give that Redis)."""

    address: HostPort
    """host:port of the Redis server, e.g. redis.internal:6379."""
    password: SecretInput | None = None
    """Redis password (AUTH), as a config secret."""
    db: int = Field(0, ge=0, le=15)
    """Database number."""
    tls: bool = False
    """Connect with TLS. Refused: registry 2.8 ignores `redis.tls` and connects in plain text; reach
    Redis over a private network (or a TLS tunnel such as stunnel beside the registry)."""
    dial_timeout: Duration = "5s"
    """Time to connect."""
    read_timeout: Duration = "5s"
    """Time to read a reply."""
    write_timeout: Duration = "5s"
    """Time to send a command."""
    pool: RedisPoolSettings = Field(default_factory=RedisPoolSettings)
    """Connection pool."""

    @field_validator("tls")
    @classmethod
    def _no_tls_with_registry_2(cls, value: bool) -> bool:
        if value:
            raise ValueError(
                "registry 2.8 ignores `redis.tls` and would send the password and cache in plain text; "
                "reach Redis over a private network or a TLS tunnel, and leave `tls` out"
            )
        return value
