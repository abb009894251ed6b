"""Registry on Kubernetes rules, on `kubernetes:apps/v1:Deployment` (and StatefulSet) running registry:2.

A workload is a registry when a container runs a `registry`/`distribution` image or `serve <config.yml>`.

- Pod hardening (resource rules, on the Deployment's inputs): non-root, a read-only root filesystem,
  no privilege escalation. Each is judged on every container, with the pod's securityContext as the
  default Kubernetes applies.
- Replicas (a stack rule: the config lives in another resource): a registry that may run more than
  one replica (`spec.replicas` > 1, or a HorizontalPodAutoscaler allowing more) needs object storage
  and a non-empty `http.secret`, read from the config.yml of the Secret (or ConfigMap) it mounts and
  from `REGISTRY_STORAGE` / `REGISTRY_HTTP_SECRET` in its environment. Filesystem storage splits the
  blobs between the pods; without one shared secret, uploads break as soon as a chunk reaches another
  replica.
"""

from __future__ import annotations

from typing import Any, Iterator, Optional

import yaml

from .common import IMAGE_REFERENCE, MANDATORY, b64decode, dig, items, resource_policy, stack_policy

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
STATEFUL_SET = "kubernetes:apps/v1:StatefulSet"
WORKLOADS = (DEPLOYMENT, STATEFUL_SET)
SECRET = "kubernetes:core/v1:Secret"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
REGISTRY_IMAGE_NAMES = {"registry", "distribution"}
SHARED_STORAGE = {"s3", "gcs", "azure", "swift", "oss"}


def _containers(props) -> list:
    pod = dig(props, "spec.template.spec") or {}
    return [c for c in items(pod.get("containers")) if hasattr(c, "get")]


def _is_registry_container(container) -> bool:
    match = IMAGE_REFERENCE.match(str(container.get("image") or ""))
    if match and match.group("path").split("/")[-1] in REGISTRY_IMAGE_NAMES:
        return True
    words = [str(w) for w in [*items(container.get("command")), *items(container.get("args"))]]
    return "serve" in words and any(w.endswith((".yml", ".yaml")) for w in words)


def is_registry_workload(props) -> bool:
    return any(_is_registry_container(c) for c in _containers(props))


def _setting(container, pod, key: str) -> Any:
    """A securityContext setting of a container, else the pod's (what Kubernetes applies)."""
    own = (container.get("securityContext") or {}).get(key)
    return own if own is not None else (pod.get("securityContext") or {}).get(key)


def _registry_pod(args):
    if not is_registry_workload(args.props):
        return None
    return dig(args.props, "spec.template.spec") or {}


def _non_root(args, report) -> None:
    pod = _registry_pod(args)
    if pod is None:
        return
    for container in _containers(args.props):
        user = _setting(container, pod, "runAsUser")
        if _setting(container, pod, "runAsNonRoot") is not True or (user is not None and int(float(user)) == 0):
            report(
                f"container '{container.get('name')}' of registry '{args.name}' may run as root (runAsNonRoot is not "
                "true, or runAsUser is 0): the official registry image's user is root. Set runAsNonRoot: true and a "
                "numeric runAsUser (registry_platform: the default `security.runAsUser: 1000`)."
            )


def _read_only_root(args, report) -> None:
    pod = _registry_pod(args)
    if pod is None:
        return
    for container in _containers(args.props):
        if (container.get("securityContext") or {}).get("readOnlyRootFilesystem") is not True:
            report(
                f"container '{container.get('name')}' of registry '{args.name}' has a writable root filesystem: a "
                "compromised registry can change its own binaries and config. Set readOnlyRootFilesystem: true with "
                "an emptyDir where it writes (/tmp; /var/lib/registry with filesystem storage)."
            )


def _no_escalation(args, report) -> None:
    pod = _registry_pod(args)
    if pod is None:
        return
    for container in _containers(args.props):
        context = container.get("securityContext") or {}
        if context.get("allowPrivilegeEscalation") is not False or context.get("privileged") is True:
            report(
                f"container '{container.get('name')}' of registry '{args.name}' allows privilege escalation "
                "(allowPrivilegeEscalation is not false, or privileged is true): setuid binaries in the image can gain "
                "root. Set allowPrivilegeEscalation: false and drop ALL capabilities."
            )


# Replicas and shared state (stack rule)


def _name_and_namespace(props) -> tuple[str, str]:
    return str(dig(props, "metadata.name") or ""), str(dig(props, "metadata.namespace") or "default")


def _max_replicas(resource, resources) -> int:
    replicas = dig(resource.props, "spec.replicas")
    most = int(float(replicas)) if replicas is not None else 1
    name, namespace = _name_and_namespace(resource.props)
    for other in resources:
        if other.resource_type != HPA:
            continue
        target = dig(other.props, "spec.scaleTargetRef") or {}
        if target.get("name") == name and _name_and_namespace(other.props)[1] == namespace:
            most = max(most, int(float(dig(other.props, "spec.maxReplicas") or 1)))
    return most


def _file_texts(resource) -> Iterator[tuple[str, str]]:
    props = resource.props
    for key, value in (props.get("stringData") or {}).items():
        yield str(key), str(value)
    for key, value in (props.get("data") or {}).items():
        raw = b64decode(str(value)) if resource.resource_type == SECRET else str(value).encode()
        if raw is not None:
            yield str(key), raw.decode("utf-8", "replace")


def _mounted_config(workload, resources) -> tuple[Optional[dict], list[str]]:
    """The registry config.yml among the Secrets/ConfigMaps the pods mount (None if not in the stack),
    and the names of the sources looked for."""
    pod = dig(workload.props, "spec.template.spec") or {}
    namespace = _name_and_namespace(workload.props)[1]
    wanted: list[tuple[str, str]] = []
    for volume in items(pod.get("volumes")):
        if dig(volume, "secret.secretName"):
            wanted.append((SECRET, str(dig(volume, "secret.secretName"))))
        if dig(volume, "configMap.name"):
            wanted.append((CONFIG_MAP, str(dig(volume, "configMap.name"))))
    for resource in resources:
        kind = resource.resource_type
        if (kind, _name_and_namespace(resource.props)[0]) not in wanted or _name_and_namespace(resource.props)[1] != namespace:
            continue
        for key, text in _file_texts(resource):
            if not key.endswith((".yml", ".yaml")):
                continue
            try:
                parsed = yaml.safe_load(text)
            except yaml.YAMLError:
                continue
            if isinstance(parsed, dict) and "storage" in parsed and "version" in parsed:
                return parsed, [name for _, name in wanted]
    return None, [name for _, name in wanted]


def _env(workload) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for container in _containers(workload.props):
        if _is_registry_container(container):
            for entry in items(container.get("env")):
                found[str(entry.get("name"))] = entry.get("value") if entry.get("value") is not None else entry.get("valueFrom")
    return found


def _storage_driver(config: dict, env: dict) -> Optional[str]:
    if env.get("REGISTRY_STORAGE"):
        return str(env["REGISTRY_STORAGE"])
    storage = config.get("storage") if isinstance(config.get("storage"), dict) else {}
    drivers = [key for key in storage if key not in ("delete", "maintenance", "cache", "redirect")]
    return drivers[0] if drivers else None


def _shared_state(args, report) -> None:
    for workload in args.resources:
        if workload.resource_type not in WORKLOADS or not is_registry_workload(workload.props):
            continue
        most = _max_replicas(workload, args.resources)
        if most <= 1:
            continue
        name = _name_and_namespace(workload.props)[0] or workload.name
        config, sources = _mounted_config(workload, args.resources)
        env = _env(workload)
        if config is None and not (env.get("REGISTRY_STORAGE") and env.get("REGISTRY_HTTP_SECRET")):
            report(
                f"registry '{name}' may run {most} replicas, but its config.yml is not declared in this stack "
                f"(mounted from {', '.join(sources) or 'nothing'}), so shared storage and http.secret cannot be checked. "
                "Declare the config Secret in the stack (registry_platform's KubernetesRegistry does).",
                workload.urn,
            )
            continue
        config = config or {}
        driver = _storage_driver(config, env)
        if driver not in SHARED_STORAGE:
            report(
                f"registry '{name}' may run {most} replicas on `{driver or 'no'}` storage: each pod would see only the "
                "blobs pushed to it. Use object storage (s3, gcs, azure) or one replica.",
                workload.urn,
            )
        if not (env.get("REGISTRY_HTTP_SECRET") or dig(config, "http.secret")):
            report(
                f"registry '{name}' may run {most} replicas without a shared http.secret: each pod makes up its own, "
                "and an upload whose next chunk reaches another replica fails. Set one http.secret for all replicas "
                "(registry_platform generates one and keeps it in the state).",
                workload.urn,
            )


POLICIES = [
    resource_policy(
        "kubernetes-registry-non-root",
        "A registry:2 on Kubernetes runs as a non-root user (runAsNonRoot: true, a non-zero runAsUser). "
        "Fix: set them in the pod or container securityContext.",
        list(WORKLOADS),
        _non_root,
        level=MANDATORY,
    ),
    resource_policy(
        "kubernetes-registry-read-only-root",
        "A registry:2 on Kubernetes has a read-only root filesystem. Fix: readOnlyRootFilesystem: true with "
        "emptyDir volumes where it writes.",
        list(WORKLOADS),
        _read_only_root,
        level=MANDATORY,
    ),
    resource_policy(
        "kubernetes-registry-no-privilege-escalation",
        "A registry:2 on Kubernetes cannot escalate privileges (allowPrivilegeEscalation: false, not privileged). "
        "Fix: set allowPrivilegeEscalation: false in every container's securityContext.",
        list(WORKLOADS),
        _no_escalation,
        level=MANDATORY,
    ),
    stack_policy(
        "kubernetes-registry-replicas-share-state",
        "A registry:2 that may run more than one replica (replicas or an autoscaler) uses object storage and one "
        "shared http.secret, read from the config.yml it mounts. Fix: storage s3/gcs/azure and http.secret, or one replica.",
        _shared_state,
        level=MANDATORY,
    ),
]
