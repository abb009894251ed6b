"""Settings of the highly available registry on Kubernetes (`registry-platform:kubernetes`).

`KubernetesRegistryArgs` is both the `kubernetes` section of the stack config and the args of
`KubernetesRegistry`. The registry's own settings (storage, Redis, notifications, log, HTTP, health,
users) are the self-hosted models, and `registry_settings()` turns them into the
`SelfHostedRegistryArgs` that `render_registry_config` renders: one renderer, two targets.

Defaults are the HA ones: two replicas spread across nodes, a PodDisruptionBudget, a generated
`http.secret` shared by every replica, htpasswd users behind an Ingress with TLS. What cannot work
with several replicas is refused up front: filesystem storage (each pod would see its own blobs),
object storage without credentials (neither keys nor a workload identity), htpasswd without TLS.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator

from .base import SecretInput, SettingsModel, checked, unique_names
from .formats import dns_name_problem, htpasswd_user_problem, image_reference_problem
from .notifications import NotificationSettings
from .selfhosted import (
    DEFAULT_IMAGE,
    DebugSettings,
    HealthSettings,
    HttpSettings,
    LogSettings,
    SelfHostedRegistryArgs,
    StorageSettings,
    TlsSettings,
    UserSettings,
)
from .storage import RedisSettings
from .values import Duration, Port

REGISTRY_PORT = 5000
"""The port the registry listens on inside the pod (and the Service's target port)."""
MIN_HTTP_SECRET = 32
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
GKE_ANNOTATION = "iam.gke.io/gcp-service-account"


def _dns_label_problem(value: str) -> str | None:
    if re.match(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", value) and len(value) <= 63:
        return None
    return f"'{value}' is not a Kubernetes name (1-63 lowercase letters, digits and '-', starting and ending with a letter or digit)"


def _cpu_problem(value: str) -> str | None:
    if re.match(r"^(\d+(\.\d{1,3})?|\d+m)$", value) and value not in ("0", "0m"):
        return None
    return f"'{value}' is not a CPU quantity (e.g. 100m, 0.5, 2)"


def _memory_problem(value: str) -> str | None:
    if re.match(r"^[1-9]\d*(Ki|Mi|Gi|Ti|k|M|G|T)?$", value):
        return None
    return f"'{value}' is not a memory quantity (e.g. 256Mi, 1Gi)"


def _storage_size_problem(value: str) -> str | None:
    if re.match(r"^[1-9]\d*(Mi|Gi|Ti|M|G|T)$", value):
        return None
    return f"'{value}' is not a volume size (e.g. 20Gi)"


def _label_key_problem(value: str) -> str | None:
    prefix, _, name = value.rpartition("/")
    if (not prefix or dns_name_problem(prefix) is None) and re.match(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$", name):
        return None
    return f"'{value}' is not a label or annotation key ([prefix/]name, e.g. team or example.com/team)"


def _label_value_problem(value: str) -> str | None:
    if value == "" or re.match(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$", value):
        return None
    return f"'{value}' is not a label value (at most 63 letters, digits, '-', '_', '.')"


KubernetesName = Annotated[str, checked(_dns_label_problem)]
CpuQuantity = Annotated[str, checked(_cpu_problem)]
MemoryQuantity = Annotated[str, checked(_memory_problem)]
LabelKey = Annotated[str, checked(_label_key_problem)]
Labels = dict[LabelKey, Annotated[str, checked(_label_value_problem)]]
Annotations = dict[LabelKey, str]


class ResourceSettings(SettingsModel):
    """CPU and memory of each registry container. Requests are what the scheduler reserves (and what
    the autoscaler's utilisation is measured against); limits cap the container."""

    cpu_request: CpuQuantity = "100m"
    """CPU reserved per replica."""
    memory_request: MemoryQuantity = "256Mi"
    """Memory reserved per replica."""
    cpu_limit: CpuQuantity | None = None
    """CPU cap per replica; none by default (a CPU limit throttles pushes long before it protects anyone)."""
    memory_limit: MemoryQuantity = "1Gi"
    """Memory cap per replica (the container is restarted when it goes over)."""


class SpreadSettings(SettingsModel):
    """How the replicas are spread, so that one node (or zone) going away leaves others serving."""

    across_nodes: Literal["required", "preferred"] = "preferred"
    """Topology spread across nodes (`kubernetes.io/hostname`, max skew 1): `required` refuses to
    schedule two replicas on one node when another node could take it (DoNotSchedule); `preferred`
    (ScheduleAnyway) still schedules on a small cluster."""
    across_zones: bool = False
    """Also spread across zones (`topology.kubernetes.io/zone`, ScheduleAnyway)."""
    anti_affinity: Literal["preferred", "required", "none"] = "preferred"
    """Pod anti-affinity between replicas on one node: `preferred` (weight 100), `required` (needs at
    least as many nodes as replicas; rollouts then stop one old pod before starting its replacement,
    `maxUnavailable: 1, maxSurge: 0`, since a surge pod may find no free node) or `none`."""


class DisruptionBudgetSettings(SettingsModel):
    """A PodDisruptionBudget, declared when more than one replica runs (node drains keep the rest serving)."""

    enabled: bool = True
    """Declare it (with more than one replica or an autoscaler)."""
    max_unavailable: int = Field(1, ge=1)
    """Replicas a voluntary disruption (drain, upgrade) may take down at once."""


class ServiceSettings(SettingsModel):
    type: Literal["ClusterIP", "NodePort", "LoadBalancer"] = "ClusterIP"
    """Service type (`ClusterIP` behind an Ingress; `LoadBalancer` only with TLS in front of it)."""
    port: Port = REGISTRY_PORT
    """Service port of the registry API (plain HTTP inside the cluster)."""
    annotations: Annotations = Field(default_factory=dict)
    """Extra Service annotations (load balancer settings, ...)."""


class IngressTlsSettings(SettingsModel):
    """The Ingress's certificate: issued by cert-manager, or an existing TLS Secret."""

    cert_manager_cluster_issuer: KubernetesName | None = None
    """cert-manager ClusterIssuer that issues the certificate (annotation `cert-manager.io/cluster-issuer`),
    stored in `secretName`."""
    cert_manager_issuer: KubernetesName | None = None
    """cert-manager Issuer in the registry's namespace (annotation `cert-manager.io/issuer`)."""
    secret_name: KubernetesName | None = None
    """TLS Secret (`kubernetes.io/tls`) holding the certificate: an existing one, or where cert-manager
    writes it (default `<name>-tls` with cert-manager)."""
    ca_certificate_pem: str | None = None
    """The CA clients must trust, when the certificate is not publicly trusted (goes to the outputs)."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        issuers = [key for key, attribute in (("certManagerClusterIssuer", "cert_manager_cluster_issuer"),
                   ("certManagerIssuer", "cert_manager_issuer")) if getattr(self, attribute, None) is not None]
        if len(issuers) > 1:
            return [("certManagerIssuer", "give one of certManagerClusterIssuer and certManagerIssuer")]
        if not issuers and getattr(self, "secret_name", None) is None and not invalid & {"secret_name"}:
            return [("secretName", "give the TLS Secret, or a cert-manager issuer (certManagerClusterIssuer) to issue one")]
        return []


class IngressSettings(SettingsModel):
    """An Ingress in front of the Service: the registry's public name, with TLS."""

    host: Annotated[str, checked(dns_name_problem)]
    """Host name clients use (`docker login <host>`), e.g. registry.example.com."""
    class_name: KubernetesName | None = "nginx"
    """IngressClass (`ingressClassName`); null for the cluster's default class."""
    tls: IngressTlsSettings
    """The certificate (the registry itself serves plain HTTP inside the cluster)."""
    body_size: Annotated[str, checked(lambda v: None if re.match(r"^(0|[1-9]\d*[kmg]?)$", v) else
                                      f"'{v}' is not a body size (0 for no limit, or e.g. 10g)")] = "0"
    """Largest request body (`nginx.ingress.kubernetes.io/proxy-body-size`): layers are large, `0` is no limit."""
    timeout_seconds: int = Field(600, ge=30)
    """Proxy read/send timeouts for long blob uploads and downloads (ingress-nginx annotations)."""
    annotations: Annotations = Field(default_factory=dict)
    """Extra Ingress annotations (for another controller's body size, say); they win over ours."""


class AutoscalingSettings(SettingsModel):
    """A HorizontalPodAutoscaler (autoscaling/v2) on CPU; the Deployment then leaves the replica count to it."""

    min_replicas: int | None = Field(None, ge=1)
    """Fewest replicas (default: `replicas`)."""
    max_replicas: int = Field(ge=2)
    """Most replicas."""
    target_cpu_utilization: int = Field(70, ge=10, le=100)
    """Average CPU utilisation (percent of the request) the autoscaler aims at."""


class ServiceMonitorSettings(SettingsModel):
    """A Prometheus Operator ServiceMonitor (monitoring.coreos.com/v1) scraping the replicas' /metrics."""

    interval: Duration = "30s"
    """Scrape interval."""
    labels: Labels = Field(default_factory=dict)
    """Labels the Prometheus's `serviceMonitorSelector` picks it by (e.g. `release: prometheus`)."""


class MetricsSettings(SettingsModel):
    """Prometheus metrics at /metrics on the debug server (also what the readiness probe uses, at /debug/health)."""

    enabled: bool = False
    """Serve Prometheus metrics (and expose the debug port on the Service as `metrics`)."""
    service_monitor: ServiceMonitorSettings | None = None
    """Declare a ServiceMonitor (needs `enabled` and the Prometheus Operator's CRDs in the cluster)."""


class ProbeSettings(SettingsModel):
    """Readiness probe on the debug server's /debug/health (storage included: a replica that cannot
    reach storage leaves the Service); liveness probe a TCP connect to the registry's http port, so a
    storage outage does not restart every replica at once."""

    period_seconds: int = Field(10, ge=1)
    """Time between probes."""
    failure_threshold: int = Field(3, ge=1)
    """Failed probes before a replica is taken out of the Service (readiness) or restarted (liveness)."""
    initial_delay_seconds: int = Field(5, ge=0)
    """Wait before the first liveness probe."""


class PersistenceSettings(SettingsModel):
    """With filesystem storage (one replica only): a PersistentVolumeClaim at /var/lib/registry."""

    size: Annotated[str, checked(_storage_size_problem)] = "20Gi"
    """Requested volume size."""
    storage_class_name: KubernetesName | None = None
    """StorageClass (default: the cluster's default class)."""


class ServiceAccountSettings(SettingsModel):
    """The replicas' ServiceAccount: how they get cloud credentials without keys (workload identity)."""

    annotations: Annotations = Field(default_factory=dict)
    """e.g. `eks.amazonaws.com/role-arn` (IRSA, S3) or `iam.gke.io/gcp-service-account` (GKE, GCS)."""
    ambient_credentials: bool = False
    """The node or pod gets storage credentials another way (EKS Pod Identity, node role): object
    storage without keys and without a workload identity annotation is then accepted."""


class PodSecuritySettings(SettingsModel):
    run_as_user: int = Field(1000, ge=1)
    """Numeric UID the registry runs as (never 0: `runAsNonRoot` needs a number to check)."""
    run_as_group: int = Field(1000, ge=1)
    """Numeric GID; also the `fsGroup` that may read the mounted Secret files (mode 0440)."""


class KubernetesRegistryArgs(SettingsModel):
    """registry:2 as a Deployment of several replicas sharing object storage, one `http.secret` and Redis."""

    namespace: KubernetesName = "registry"
    """Namespace of every object."""
    create_namespace: bool = True
    """Declare the namespace (labelled to enforce the `restricted` Pod Security Standard); false to
    use an existing one."""
    name: KubernetesName = "registry"
    """Name of the Deployment, Service, Ingress and the rest (`app.kubernetes.io/instance`)."""
    context: str | None = None
    """kubeconfig context to deploy to (an explicit provider); default: the ambient kubeconfig, or the
    provider a Python user passes in the resource options."""
    image: Annotated[str, checked(image_reference_problem)] = DEFAULT_IMAGE
    """Pinned registry image: a version tag or a digest (`registry:2.8.3`, `registry@sha256:...`)."""
    replicas: int = Field(2, ge=1)
    """Replicas (at least 2 for availability; more than one needs object storage)."""
    auth: Literal["htpasswd", "none"] = "htpasswd"
    """`htpasswd` (users below, needs `ingress` for TLS) or `none` (anyone who reaches the Service can push)."""
    users: Annotated[list[UserSettings], unique_names("user")] = Field(default_factory=list)
    """htpasswd users (every user has full access); the first is the one in the shared registry outputs."""
    bcrypt_cost: int = Field(10, ge=10, le=14)
    """bcrypt cost of the htpasswd entries."""
    http_secret: SecretInput | None = None
    """The `http.secret` every replica signs upload state with (at least 32 characters), as a config
    secret; when absent, one is generated once and kept in the stack state."""
    storage: StorageSettings = Field(default_factory=StorageSettings)
    """Where blobs live: `s3`, `gcs` or `azure` (shared by the replicas); `filesystem` only with one replica."""
    redis: RedisSettings | None = None
    """Redis shared by the replicas for the blob-descriptor cache (an existing Redis); off when absent."""
    notifications: NotificationSettings | None = None
    """Webhook endpoints for registry events (each replica sends its own); off when absent."""
    log: LogSettings = Field(default_factory=LogSettings)
    """Registry logging."""
    http: HttpSettings = Field(default_factory=HttpSettings)
    """HTTP headers, CORS, HTTP/2."""
    health: HealthSettings = Field(default_factory=HealthSettings)
    """Registry health checks (a failing storage driver makes /debug/health, hence the readiness
    probe, fail; the liveness probe does not depend on it)."""
    debug_port: Port = 5001
    """Port of the debug server (/debug/health for the readiness probe, /metrics) inside the pod."""
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    """Prometheus metrics and the ServiceMonitor."""
    probes: ProbeSettings = Field(default_factory=ProbeSettings)
    """Readiness (/debug/health) and liveness (TCP on the http port) probes."""
    resources: ResourceSettings = Field(default_factory=ResourceSettings)
    """CPU and memory requests and limits per replica."""
    spread: SpreadSettings = Field(default_factory=SpreadSettings)
    """Topology spread and anti-affinity across nodes (and zones)."""
    disruption_budget: DisruptionBudgetSettings = Field(default_factory=DisruptionBudgetSettings)
    """PodDisruptionBudget."""
    service: ServiceSettings = Field(default_factory=ServiceSettings)
    """The Service in front of the replicas."""
    ingress: IngressSettings | None = None
    """Ingress with TLS (required with htpasswd); none when absent (in-cluster use only)."""
    autoscaling: AutoscalingSettings | None = None
    """HorizontalPodAutoscaler; off when absent."""
    persistence: PersistenceSettings = Field(default_factory=PersistenceSettings)
    """The volume of filesystem storage (single replica only; unused with object storage)."""
    service_account: ServiceAccountSettings = Field(default_factory=ServiceAccountSettings)
    """The replicas' ServiceAccount (workload identity for object storage)."""
    security: PodSecuritySettings = Field(default_factory=PodSecuritySettings)
    """UID and GID the registry runs as."""
    labels: Labels = Field(default_factory=dict)
    """Extra labels on every object (not in the selector, so they can change)."""
    pod_annotations: Annotations = Field(default_factory=dict)
    """Extra annotations on the pods."""
    node_selector: dict[LabelKey, str] = Field(default_factory=dict)
    """Node labels the replicas must run on."""

    @field_validator("http_secret")
    @classmethod
    def _http_secret_is_long(cls, value):
        if isinstance(value, SecretStr) and len(value.get_secret_value()) < MIN_HTTP_SECRET:
            raise ValueError(f"must be at least {MIN_HTTP_SECRET} characters (leave it out to have one generated)")
        return value

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        problems.extend(self._auth_problems(invalid))
        problems.extend(self._storage_problems(invalid))
        if not invalid & {"metrics"} and self.metrics.service_monitor is not None and not self.metrics.enabled:
            problems.append(("metrics.serviceMonitor", "needs `metrics.enabled: true` (there is nothing to scrape otherwise)"))
        if "debug_port" not in invalid and self.debug_port == REGISTRY_PORT:
            problems.append(("debugPort", f"must differ from the registry's own port {REGISTRY_PORT}"))
        if not invalid & {"autoscaling", "replicas"} and self.autoscaling is not None:
            if self.autoscaling.min_replicas is not None and self.autoscaling.min_replicas > self.autoscaling.max_replicas:
                problems.append(("autoscaling.minReplicas", f"must not exceed maxReplicas ({self.autoscaling.max_replicas})"))
            elif self.autoscaling.min_replicas is None and self.replicas > self.autoscaling.max_replicas:
                problems.append(("autoscaling.maxReplicas", f"must be at least `replicas` ({self.replicas})"))
        if not invalid & {"service", "auth"} and self.service.type != "ClusterIP" and self.auth == "htpasswd":
            problems.append((
                "service.type",
                f"`{self.service.type}` would expose the plain-HTTP registry port with htpasswd outside the cluster; "
                "keep ClusterIP and use `ingress` (TLS there)",
            ))
        return problems

    def _auth_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if "auth" in invalid:
            return problems
        if self.auth == "htpasswd":
            if "users" not in invalid and not self.users:
                problems.append(("users", "auth `htpasswd` needs at least one user (or set `auth: none` explicitly)"))
            if "ingress" not in invalid and self.ingress is None:
                problems.append((
                    "ingress",
                    "auth `htpasswd` needs an Ingress with TLS: docker clients refuse basic auth over plain HTTP, "
                    "and the replicas serve plain HTTP inside the cluster",
                ))
        elif "users" not in invalid and self.users:
            problems.append(("users", "users are only used with `auth: htpasswd` (auth is `none`)"))
        if "users" not in invalid:
            for index, user in enumerate(self.users):
                if user.role is not None:
                    problems.append((f"users[{index}].role", "roles need token auth, which the Kubernetes registry does not offer; "
                                     "with htpasswd every user has full access"))
        return problems

    def _storage_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if "storage" in invalid:
            return problems
        driver = self.storage.driver
        if driver == "filesystem":
            if "replicas" not in invalid and self.replicas > 1:
                problems.append((
                    "storage",
                    f"{self.replicas} replicas cannot share filesystem storage (each pod would see only the blobs "
                    "pushed to it); give `storage.s3`, `storage.gcs` or `storage.azure`, or `replicas: 1`",
                ))
            if "autoscaling" not in invalid and self.autoscaling is not None:
                problems.append(("autoscaling", "needs object storage (`storage.s3`, `gcs` or `azure`): replicas cannot share a filesystem"))
        if "service_account" not in invalid:
            problems.extend(self._credential_problems())
        if self.storage.blob_descriptor_cache == "redis" and "redis" not in invalid and self.redis is None:
            problems.append(("storage.blobDescriptorCache", "`redis` needs `kubernetes.redis` (address, ...)"))
        return problems

    def _credential_problems(self) -> list[tuple[str, str]]:
        """Object storage needs credentials in the pods: keys in the config, or a workload identity."""
        account = self.service_account
        if account.ambient_credentials:
            return []
        s3, gcs = self.storage.s3, self.storage.gcs
        if s3 is not None and s3.access_key is None and IRSA_ANNOTATION not in account.annotations:
            return [("storage.s3", (
                "has no credentials: give `accessKey` and `secretKey` (config secrets), or a workload identity "
                f"(`serviceAccount.annotations` `{IRSA_ANNOTATION}`), or `serviceAccount.ambientCredentials: true` "
                "when the pods get them another way (EKS Pod Identity)"
            ))]
        if gcs is not None and gcs.keyfile is None and GKE_ANNOTATION not in account.annotations:
            return [("storage.gcs", (
                "has no credentials: give `keyfile` (a config secret), or a workload identity "
                f"(`serviceAccount.annotations` `{GKE_ANNOTATION}`), or `serviceAccount.ambientCredentials: true`"
            ))]
        return []

    @property
    def effective_min_replicas(self) -> int:
        if self.autoscaling is not None and self.autoscaling.min_replicas is not None:
            return self.autoscaling.min_replicas
        return self.replicas

    @property
    def highly_available(self) -> bool:
        """More than one replica may run (which is what needs a PodDisruptionBudget)."""
        return self.replicas > 1 or self.autoscaling is not None

    @property
    def service_host(self) -> str:
        """The Service's DNS name inside the cluster."""
        return f"{self.name}.{self.namespace}.svc.cluster.local"

    @property
    def login_server(self) -> str:
        if self.ingress is not None:
            return self.ingress.host
        return f"{self.service_host}:{self.service.port}"

    @property
    def endpoint(self) -> str:
        return f"https://{self.ingress.host}" if self.ingress is not None else f"http://{self.login_server}"

    def registry_settings(self) -> SelfHostedRegistryArgs:
        """The registry's settings as the shared renderer takes them.

        Built without validating the Docker-only rules again (htpasswd needs TLS *in the registry* there;
        here TLS ends at the Ingress and the pods serve plain HTTP). The debug server listens on the pod's
        address (`publish`) so that the kubelet's probes and Prometheus reach it.
        """
        return SelfHostedRegistryArgs.model_construct(
            image=self.image,
            auth=self.auth,
            users=list(self.users),
            bcrypt_cost=self.bcrypt_cost,
            tls=TlsSettings.model_construct(mode="disabled"),
            log=self.log,
            storage=self.storage,
            http=self.http,
            debug=DebugSettings.model_construct(
                port=self.debug_port, prometheus=self.metrics.enabled, publish=True, host_port=None, bind_address="0.0.0.0"
            ),
            health=self.health,
            redis=self.redis,
            notifications=self.notifications,
        )

    def config_secrets(self) -> dict:
        """Secret settings that go into config.yml, by config path (as `SelfHostedRegistryArgs.config_secrets`)."""
        return self.registry_settings().config_secrets()


__all__ = ["KubernetesRegistryArgs", "REGISTRY_PORT", "htpasswd_user_problem"]
