"""The Kubernetes objects of the registry, as plain manifests (camelCase, as `kubectl` reads them).

Pure functions of the settings: the component hands each manifest's `metadata` and `spec` to
pulumi-kubernetes, and the tests validate the same objects against the Kubernetes API schemas. Values
that only exist at deploy time (the config checksum) come in as arguments and may be `pulumi.Output`s.
"""

from __future__ import annotations

from typing import Any

from ..selfhosted.layout import LAYOUT
from ..settings.kubernetes import REGISTRY_PORT, KubernetesRegistryArgs

APP = "registry"
MANAGED_BY = "registry-platform"
CHECKSUM_ANNOTATION = "registry-platform.io/config-checksum"
"""On the pod template: the SHA-256 of everything mounted from the config Secret, so a change rolls the pods."""
CONFIG_KEY = "config.yml"
HTPASSWD_KEY = "htpasswd"
GCS_KEY = "gcs-keyfile.json"
SECRET_FILE_MODE = 0o440
"""Mounted Secret files: readable by the owner and the pod's fsGroup (the registry's group), nobody else."""
TMP_DIR = "/tmp"
CONTAINER_NAME = "registry"
RESTRICTED_NAMESPACE_LABELS = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/audit": "restricted",
}


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0]


def selector_labels(args: KubernetesRegistryArgs) -> dict[str, str]:
    """What the Deployment, Service, PDB and spread rules select pods by (never changes for a registry)."""
    return {"app.kubernetes.io/name": APP, "app.kubernetes.io/instance": args.name}


def common_labels(args: KubernetesRegistryArgs) -> dict[str, str]:
    return {
        **args.labels,
        **selector_labels(args),
        "app.kubernetes.io/component": "registry",
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }


def metadata(args: KubernetesRegistryArgs, name: str | None = None, annotations: dict | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"name": name or args.name, "namespace": args.namespace, "labels": common_labels(args)}
    if annotations:
        found["annotations"] = annotations
    return found


def namespace(args: KubernetesRegistryArgs) -> dict[str, Any]:
    """The namespace, enforcing the `restricted` Pod Security Standard (the replicas meet it)."""
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": args.namespace, "labels": {**RESTRICTED_NAMESPACE_LABELS, "app.kubernetes.io/managed-by": MANAGED_BY}},
    }


def service_account(args: KubernetesRegistryArgs) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata(args, annotations=dict(args.service_account.annotations) or None),
        "automountServiceAccountToken": False,
    }


def config_secret_name(args: KubernetesRegistryArgs) -> str:
    return f"{args.name}-config"


def config_secret(args: KubernetesRegistryArgs, files: dict[str, Any]) -> dict[str, Any]:
    """The Secret holding config.yml (and htpasswd, the GCS key): `files` maps key -> content."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata(args, config_secret_name(args)),
        "type": "Opaque",
        "stringData": files,
    }


def secret_keys(args: KubernetesRegistryArgs) -> list[str]:
    """The keys of the config Secret for these settings."""
    keys = [CONFIG_KEY]
    if args.auth == "htpasswd":
        keys.append(HTPASSWD_KEY)
    if args.storage.gcs is not None and args.storage.gcs.keyfile is not None:
        keys.append(GCS_KEY)
    return keys


CONFIG_DIR = _parent(LAYOUT.config)
SECRET_PATHS = {CONFIG_KEY: LAYOUT.config, HTPASSWD_KEY: LAYOUT.htpasswd, GCS_KEY: LAYOUT.gcs_keyfile}
"""Where each key of the config Secret lands: the paths the rendered config.yml names (all under CONFIG_DIR)."""


def _volumes(args: KubernetesRegistryArgs) -> tuple[list[dict], list[dict]]:
    """(pod volumes, container mounts): one read-only Secret volume at /etc/docker/registry whose items
    put each file where the config names it (no mounts nested in a read-only volume), a writable
    emptyDir for /tmp, and the data directory (a PVC with filesystem storage, else an emptyDir)."""
    items = [
        {"key": key, "path": SECRET_PATHS[key].removeprefix(CONFIG_DIR + "/")} for key in secret_keys(args)
    ]
    volumes: list[dict] = [{
        "name": "config",
        "secret": {"secretName": config_secret_name(args), "items": items, "defaultMode": SECRET_FILE_MODE},
    }]
    mounts: list[dict] = [{"name": "config", "mountPath": CONFIG_DIR, "readOnly": True}]
    volumes.append({"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}})
    mounts.append({"name": "tmp", "mountPath": TMP_DIR})
    if args.storage.uses_volume:
        volumes.append({"name": "data", "persistentVolumeClaim": {"claimName": data_claim_name(args)}})
    else:
        volumes.append({"name": "data", "emptyDir": {"sizeLimit": "1Gi"}})
    mounts.append({"name": "data", "mountPath": LAYOUT.data})
    return volumes, mounts


def _probe(args: KubernetesRegistryArgs, liveness: bool) -> dict[str, Any]:
    """Readiness asks the debug server's /debug/health, which includes the storage driver check: a
    replica that cannot reach its storage leaves the Service. Liveness only asks whether the process
    accepts connections on its http port: /debug/health fails on every replica at once during a
    storage outage, and restarting them all would not bring S3 or GCS back (it would only add
    restarts, and CrashLoopBackOff delays, once storage returns)."""
    probes = args.probes
    check: dict[str, Any] = (
        {"tcpSocket": {"port": "http"}} if liveness
        else {"httpGet": {"path": "/debug/health", "port": "debug", "scheme": "HTTP"}}
    )
    probe: dict[str, Any] = {
        **check,
        "periodSeconds": probes.period_seconds,
        "timeoutSeconds": 5,
        "failureThreshold": probes.failure_threshold,
    }
    if liveness:
        probe["initialDelaySeconds"] = probes.initial_delay_seconds
    return probe


def container_security_context(args: KubernetesRegistryArgs) -> dict[str, Any]:
    """The `restricted` Pod Security Standard, and a read-only root filesystem."""
    return {
        "runAsNonRoot": True,
        "runAsUser": args.security.run_as_user,
        "runAsGroup": args.security.run_as_group,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "privileged": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def _resources(args: KubernetesRegistryArgs) -> dict[str, Any]:
    resources = args.resources
    limits = {"memory": resources.memory_limit}
    if resources.cpu_limit is not None:
        limits["cpu"] = resources.cpu_limit
    return {"requests": {"cpu": resources.cpu_request, "memory": resources.memory_request}, "limits": limits}


def _affinity(args: KubernetesRegistryArgs) -> dict[str, Any] | None:
    term = {"labelSelector": {"matchLabels": selector_labels(args)}, "topologyKey": "kubernetes.io/hostname"}
    if args.spread.anti_affinity == "required":
        return {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}
    if args.spread.anti_affinity == "preferred":
        return {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "podAffinityTerm": term}]}}
    return None


def _spread(args: KubernetesRegistryArgs) -> list[dict[str, Any]]:
    unsatisfiable = "DoNotSchedule" if args.spread.across_nodes == "required" else "ScheduleAnyway"
    constraints = [{
        "maxSkew": 1,
        "topologyKey": "kubernetes.io/hostname",
        "whenUnsatisfiable": unsatisfiable,
        "labelSelector": {"matchLabels": selector_labels(args)},
    }]
    if args.spread.across_zones:
        constraints.append({
            "maxSkew": 1,
            "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": selector_labels(args)},
        })
    return constraints


def pod_spec(args: KubernetesRegistryArgs) -> dict[str, Any]:
    volumes, mounts = _volumes(args)
    ports = [
        {"name": "http", "containerPort": REGISTRY_PORT, "protocol": "TCP"},
        {"name": "debug", "containerPort": args.debug_port, "protocol": "TCP"},
    ]
    container = {
        "name": CONTAINER_NAME,
        "image": args.image,
        "imagePullPolicy": "IfNotPresent",
        # The binary itself, not the image's entrypoint script: the config path is explicit.
        "command": ["registry"],
        "args": ["serve", LAYOUT.config],
        "env": [{"name": "OTEL_TRACES_EXPORTER", "value": "none"}],
        "ports": ports,
        "readinessProbe": _probe(args, liveness=False),
        "livenessProbe": _probe(args, liveness=True),
        "resources": _resources(args),
        "securityContext": container_security_context(args),
        "volumeMounts": mounts,
    }
    spec: dict[str, Any] = {
        "serviceAccountName": args.name,
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": args.security.run_as_user,
            "runAsGroup": args.security.run_as_group,
            "fsGroup": args.security.run_as_group,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [container],
        "volumes": volumes,
        "topologySpreadConstraints": _spread(args),
        "terminationGracePeriodSeconds": 30,
    }
    affinity = _affinity(args)
    if affinity is not None:
        spec["affinity"] = affinity
    if args.node_selector:
        spec["nodeSelector"] = dict(args.node_selector)
    return spec


def rolling_update(args: KubernetesRegistryArgs) -> dict[str, int]:
    """How a rollout replaces the pods. By default one extra pod starts first (`maxSurge: 1`) and an
    old one stops only when it is ready (`maxUnavailable: 0`). With required pod anti-affinity the
    surge pod needs a node without a replica, and when there are no more nodes than replicas there is
    none: it stays Pending and the rollout never moves. Then an old pod stops first and its
    replacement takes its node (`maxUnavailable: 1, maxSurge: 0`). A required spread across nodes
    alone (max skew 1, DoNotSchedule) still admits the surge pod: one node holding two replicas
    while the others hold one is a skew of 1."""
    if args.spread.anti_affinity == "required":
        return {"maxUnavailable": 1, "maxSurge": 0}
    return {"maxUnavailable": 0, "maxSurge": 1}


def deployment(args: KubernetesRegistryArgs, checksum: Any) -> dict[str, Any]:
    """The replicas. With an autoscaler the replica count is left out (the HPA owns it); with
    filesystem storage (one replica, a ReadWriteOnce volume) the old pod stops before the new one
    starts; otherwise a rolling update (`rolling_update`)."""
    spec: dict[str, Any] = {
        "selector": {"matchLabels": selector_labels(args)},
        "revisionHistoryLimit": 5,
        "template": {
            "metadata": {
                "labels": common_labels(args),
                "annotations": {**args.pod_annotations, CHECKSUM_ANNOTATION: checksum},
            },
            "spec": pod_spec(args),
        },
    }
    if args.autoscaling is None:
        spec["replicas"] = args.replicas
    if args.storage.uses_volume:
        spec["strategy"] = {"type": "Recreate"}
    else:
        spec["strategy"] = {"type": "RollingUpdate", "rollingUpdate": rolling_update(args)}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata(args), "spec": spec}


def service(args: KubernetesRegistryArgs) -> dict[str, Any]:
    ports = [{"name": "http", "port": args.service.port, "targetPort": "http", "protocol": "TCP"}]
    if args.metrics.enabled:
        ports.append({"name": "metrics", "port": args.debug_port, "targetPort": "debug", "protocol": "TCP"})
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(args, annotations=dict(args.service.annotations) or None),
        "spec": {"type": args.service.type, "selector": selector_labels(args), "ports": ports},
    }


def disruption_budget(args: KubernetesRegistryArgs) -> dict[str, Any] | None:
    if not (args.disruption_budget.enabled and args.highly_available):
        return None
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(args),
        "spec": {"maxUnavailable": args.disruption_budget.max_unavailable, "selector": {"matchLabels": selector_labels(args)}},
    }


def tls_secret_name(args: KubernetesRegistryArgs) -> str:
    tls = args.ingress.tls
    return tls.secret_name or f"{args.name}-tls"


def ingress_annotations(args: KubernetesRegistryArgs) -> dict[str, str]:
    ingress = args.ingress
    timeout = str(ingress.timeout_seconds)
    annotations = {
        "nginx.ingress.kubernetes.io/proxy-body-size": ingress.body_size,
        "nginx.ingress.kubernetes.io/proxy-read-timeout": timeout,
        "nginx.ingress.kubernetes.io/proxy-send-timeout": timeout,
        # Stream uploads to the registry instead of spooling whole layers on the controller's disk.
        "nginx.ingress.kubernetes.io/proxy-request-buffering": "off",
    }
    if ingress.tls.cert_manager_cluster_issuer:
        annotations["cert-manager.io/cluster-issuer"] = ingress.tls.cert_manager_cluster_issuer
    if ingress.tls.cert_manager_issuer:
        annotations["cert-manager.io/issuer"] = ingress.tls.cert_manager_issuer
    return {**annotations, **ingress.annotations}


def ingress(args: KubernetesRegistryArgs) -> dict[str, Any] | None:
    if args.ingress is None:
        return None
    host = args.ingress.host
    spec: dict[str, Any] = {
        "tls": [{"hosts": [host], "secretName": tls_secret_name(args)}],
        "rules": [{
            "host": host,
            "http": {"paths": [{
                "path": "/",
                "pathType": "Prefix",
                "backend": {"service": {"name": args.name, "port": {"name": "http"}}},
            }]},
        }],
    }
    if args.ingress.class_name:
        spec["ingressClassName"] = args.ingress.class_name
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata(args, annotations=ingress_annotations(args)),
        "spec": spec,
    }


def autoscaler(args: KubernetesRegistryArgs) -> dict[str, Any] | None:
    scaling = args.autoscaling
    if scaling is None:
        return None
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": metadata(args),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": args.name},
            "minReplicas": args.effective_min_replicas,
            "maxReplicas": scaling.max_replicas,
            "metrics": [{
                "type": "Resource",
                "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": scaling.target_cpu_utilization}},
            }],
        },
    }


def service_monitor(args: KubernetesRegistryArgs) -> dict[str, Any] | None:
    monitor = args.metrics.service_monitor
    if monitor is None:
        return None
    meta = metadata(args)
    meta["labels"] = {**meta["labels"], **monitor.labels}
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": meta,
        "spec": {
            "selector": {"matchLabels": selector_labels(args)},
            "namespaceSelector": {"matchNames": [args.namespace]},
            "endpoints": [{"port": "metrics", "path": "/metrics", "interval": monitor.interval, "scheme": "http"}],
        },
    }


def data_claim_name(args: KubernetesRegistryArgs) -> str:
    return f"{args.name}-data"


def data_claim(args: KubernetesRegistryArgs) -> dict[str, Any] | None:
    """The volume of filesystem storage (one replica)."""
    if not args.storage.uses_volume:
        return None
    spec: dict[str, Any] = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": args.persistence.size}},
    }
    if args.persistence.storage_class_name:
        spec["storageClassName"] = args.persistence.storage_class_name
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": metadata(args, data_claim_name(args)),
        "spec": spec,
    }
