"""KubernetesRegistry under mocks with the real pulumi-kubernetes SDK classes: the resource graph,
the pods' security and probes, the shared http.secret, the config checksum, outputs; and every
registered object validated offline against the Kubernetes API schemas (kubernetes-validate, strict)."""

from __future__ import annotations

import copy

import kubernetes_validate
import pytest
import yaml

from registry_platform.kubernetes import manifests
from registry_platform.settings.kubernetes import KubernetesRegistryArgs

KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")
"""The oldest Kubernetes we state support for (every API used is GA there) and the newest schema shipped."""
SECRET_KEYS = ["registry-platform:kubernetes"]
COMPONENT = "registry-platform:kubernetes:KubernetesRegistry"
NAMESPACE = "kubernetes:core/v1:Namespace"
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
SECRET = "kubernetes:core/v1:Secret"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SERVICE = "kubernetes:core/v1:Service"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor"
PVC = "kubernetes:core/v1:PersistentVolumeClaim"
PROVIDER = "pulumi:providers:kubernetes"
PASSWORD = "random:index/randomPassword:RandomPassword"

S3 = {"bucket": "registry-data", "region": "eu-west-1", "accessKey": "AKIAEXAMPLE", "secretKey": "secret-key-1"}
BASE = {
    "users": [{"name": "ci"}, {"name": "admin"}],
    "ingress": {"host": "registry.example.com", "tls": {"certManagerClusterIssuer": "letsencrypt"}},
    "storage": {"s3": S3},
}
EVERYTHING = {
    **BASE,
    "namespace": "platform-registry",
    "replicas": 3,
    "redis": {"address": "redis.platform-registry:6379", "password": "redis-password-1"},
    "metrics": {"enabled": True, "serviceMonitor": {"interval": "15s", "labels": {"release": "prometheus"}}},
    "autoscaling": {"maxReplicas": 6, "targetCpuUtilization": 60},
    "spread": {"acrossNodes": "required", "acrossZones": True, "antiAffinity": "required"},
    "resources": {"cpuRequest": "250m", "memoryRequest": "512Mi", "cpuLimit": "2", "memoryLimit": "2Gi"},
    "labels": {"team": "platform"},
    "podAnnotations": {"example.com/owner": "platform"},
    "nodeSelector": {"kubernetes.io/os": "linux"},
    "serviceAccount": {"annotations": {"example.com/purpose": "registry"}},
}
FILESYSTEM = {**BASE, "replicas": 1, "storage": {}, "persistence": {"size": "50Gi", "storageClassName": "fast"}}
GCS = {**BASE, "storage": {"gcs": {"bucket": "registry-data", "keyfile": '{"type": "service_account"}'}}, "context": "prod-cluster"}
CONFIGS = {"base": BASE, "everything": EVERYTHING, "filesystem": FILESYSTEM, "gcs": GCS, "open": {"auth": "none", "storage": {"s3": S3}}}


@pytest.fixture
def run_k8s(run_stack):
    def run(kubernetes, **kw):
        return run_stack({"kubernetes": kubernetes}, secret_keys=SECRET_KEYS, **kw)
    return run


def as_manifest(value):
    """Registered inputs as a manifest: the mock hands numbers over as floats."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: as_manifest(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_manifest(item) for item in value]
    return value


def kubernetes_objects(run):
    return [r for r in run.resources if r.type.startswith("kubernetes:") and r.custom]


def pod_of(run) -> dict:
    return as_manifest(run.one(DEPLOYMENT).inputs["spec"]["template"]["spec"])


def mounted_config(run) -> dict:
    return yaml.safe_load(run.one(SECRET).inputs["stringData"][manifests.CONFIG_KEY])


# The resource graph


def test_the_default_graph_is_the_ha_set_under_the_component(run_k8s):
    run = run_k8s(BASE)
    assert {r.type for r in kubernetes_objects(run)} == {NAMESPACE, SERVICE_ACCOUNT, SECRET, DEPLOYMENT, SERVICE, PDB, INGRESS}
    component = run.one(COMPONENT, "kubernetes")
    for registration in run.resources:
        if registration.type.startswith(("kubernetes:", "random:")):
            assert run.parent_of(registration) is component, registration.name
    assert not run.of_type(PROVIDER)  # the ambient provider unless a context is given
    for registration in kubernetes_objects(run):
        if registration.type != NAMESPACE:
            assert registration.inputs["metadata"]["namespace"] == "registry"
    deployment = run.one(DEPLOYMENT)
    depends = set(deployment.request.dependencies)
    assert run.one(SECRET).urn in depends and run.one(NAMESPACE).urn in depends


def test_every_feature_declares_its_object(run_k8s):
    run = run_k8s(EVERYTHING)
    assert {r.type for r in kubernetes_objects(run)} >= {HPA, MONITOR, PDB, INGRESS}
    assert "replicas" not in run.one(DEPLOYMENT).inputs["spec"]  # the autoscaler owns the count
    hpa = as_manifest(run.one(HPA).inputs["spec"])
    assert hpa["minReplicas"] == 3 and hpa["maxReplicas"] == 6
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "registry"}
    assert hpa["metrics"][0]["resource"]["target"] == {"type": "Utilization", "averageUtilization": 60}
    monitor = run.one(MONITOR).inputs
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1" and monitor["kind"] == "ServiceMonitor"
    assert monitor["metadata"]["labels"]["release"] == "prometheus"
    assert monitor["spec"]["endpoints"] == [{"port": "metrics", "path": "/metrics", "interval": "15s", "scheme": "http"}]
    ports = {p["name"]: p for p in as_manifest(run.one(SERVICE).inputs["spec"]["ports"])}
    assert ports["metrics"]["targetPort"] == "debug" and ports["http"]["port"] == 5000
    assert mounted_config(run)["http"]["debug"]["prometheus"] == {"enabled": True, "path": "/metrics"}
    assert run.one(DEPLOYMENT).inputs["metadata"]["labels"]["team"] == "platform"


def test_single_replica_filesystem_gets_a_claim_recreate_and_no_budget(run_k8s):
    run = run_k8s(FILESYSTEM)
    claim = as_manifest(run.one(PVC).inputs)
    assert claim["spec"] == {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "50Gi"}}, "storageClassName": "fast"}
    spec = as_manifest(run.one(DEPLOYMENT).inputs["spec"])
    assert spec["strategy"] == {"type": "Recreate"} and spec["replicas"] == 1
    data = next(v for v in spec["template"]["spec"]["volumes"] if v["name"] == "data")
    assert data == {"name": "data", "persistentVolumeClaim": {"claimName": "registry-data"}}
    assert not run.of_type(PDB)
    assert mounted_config(run)["storage"]["filesystem"] == {"rootdirectory": "/var/lib/registry"}


def test_a_context_gives_an_explicit_provider_that_every_object_uses(run_k8s):
    run = run_k8s(GCS)
    provider = run.one(PROVIDER)
    assert provider.inputs["context"] == "prod-cluster"
    for registration in kubernetes_objects(run):
        assert registration.request.provider.startswith(provider.urn), registration.name


# Pods


def test_pods_run_restricted_with_a_read_only_root_and_writable_scratch(run_k8s):
    pod = pod_of(run_k8s(BASE))
    assert pod["securityContext"] == {
        "runAsNonRoot": True, "runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 1000,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert pod["automountServiceAccountToken"] is False and pod["serviceAccountName"] == "registry"
    (container,) = pod["containers"]
    assert container["securityContext"] == {
        "runAsNonRoot": True, "runAsUser": 1000, "runAsGroup": 1000, "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True, "privileged": False, "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes[mounts["/tmp"]["name"]]["emptyDir"] and volumes[mounts["/var/lib/registry"]["name"]]["emptyDir"]
    assert mounts["/etc/docker/registry"]["readOnly"] is True
    config = volumes[mounts["/etc/docker/registry"]["name"]]["secret"]
    assert config["secretName"] == "registry-config" and config["defaultMode"] == 0o440
    assert config["items"] == [{"key": "config.yml", "path": "config.yml"}, {"key": "htpasswd", "path": "auth/htpasswd"}]
    assert container["image"] == "registry:2.8.3"
    assert container["command"] == ["registry"] and container["args"] == ["serve", "/etc/docker/registry/config.yml"]
    assert container["resources"] == {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}}


def test_the_mounted_files_are_where_the_config_names_them(run_k8s):
    run = run_k8s(GCS)
    config = mounted_config(run)
    pod = pod_of(run)
    (mount,) = [m for m in pod["containers"][0]["volumeMounts"] if m["name"] == "config"]
    (volume,) = [v for v in pod["volumes"] if v["name"] == "config"]
    paths = {item["key"]: f"{mount['mountPath']}/{item['path']}" for item in volume["secret"]["items"]}
    assert paths["config.yml"] == "/etc/docker/registry/config.yml"
    assert paths["htpasswd"] == config["auth"]["htpasswd"]["path"]
    assert paths["gcs-keyfile.json"] == config["storage"]["gcs"]["keyfile"]
    assert set(paths) == set(run.one(SECRET).inputs["stringData"])


def test_readiness_hits_the_debug_server_which_listens_on_the_pod_address(run_k8s):
    run = run_k8s(BASE)
    (container,) = pod_of(run)["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": 5000, "debug": 5001}
    assert container["readinessProbe"]["httpGet"] == {"path": "/debug/health", "port": "debug", "scheme": "HTTP"}
    assert mounted_config(run)["http"]["debug"]["addr"] == "0.0.0.0:5001"


@pytest.mark.parametrize("config", ["base", "gcs"])
def test_liveness_does_not_depend_on_storage(run_k8s, config):
    """/debug/health includes the storage driver check: a liveness probe on it would restart every
    replica at once during a short S3/GCS outage. Liveness is a TCP connect to the registry's port."""
    run = run_k8s(CONFIGS[config])
    assert mounted_config(run)["health"]["storagedriver"]["enabled"] is True  # what readiness sees
    (container,) = pod_of(run)["containers"]
    liveness = container["livenessProbe"]
    assert liveness["tcpSocket"] == {"port": "http"}
    assert "httpGet" not in liveness and "exec" not in liveness and "grpc" not in liveness
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports[liveness["tcpSocket"]["port"]] == 5000 == manifests.REGISTRY_PORT
    assert liveness["initialDelaySeconds"] == 5 and liveness["failureThreshold"] == 3
    assert "tcpSocket" not in container["readinessProbe"]


def test_rollouts_surge_unless_anti_affinity_is_required(run_k8s):
    """With required anti-affinity and as many nodes as replicas a surge pod has no node: the rollout
    would hang. Then an old pod goes first; otherwise the new one is ready before an old one stops."""
    def strategy(kubernetes):
        return as_manifest(run_k8s(kubernetes).one(DEPLOYMENT).inputs["spec"]["strategy"])

    surge = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
    no_surge = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
    assert strategy(BASE) == surge
    assert strategy({**BASE, "spread": {"antiAffinity": "preferred", "acrossNodes": "preferred"}}) == surge
    assert strategy({**BASE, "spread": {"antiAffinity": "none"}}) == surge
    # Spread alone (max skew 1) admits the surge pod: 2-1-1 replicas per node is a skew of 1.
    assert strategy({**BASE, "spread": {"acrossNodes": "required"}}) == surge
    assert strategy({**BASE, "spread": {"antiAffinity": "required"}}) == no_surge
    assert strategy(EVERYTHING) == no_surge  # required anti-affinity, with an autoscaler
    assert strategy(FILESYSTEM) == {"type": "Recreate"}


def test_replicas_spread_across_nodes_and_zones(run_k8s):
    pod = pod_of(run_k8s(EVERYTHING))
    selector = {"matchLabels": {"app.kubernetes.io/name": "registry", "app.kubernetes.io/instance": "registry"}}
    assert pod["topologySpreadConstraints"] == [
        {"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "DoNotSchedule", "labelSelector": selector},
        {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": selector},
    ]
    assert pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] == [
        {"labelSelector": selector, "topologyKey": "kubernetes.io/hostname"}
    ]
    assert pod["nodeSelector"] == {"kubernetes.io/os": "linux"}
    default = pod_of(run_k8s(BASE))
    assert default["topologySpreadConstraints"][0]["whenUnsatisfiable"] == "ScheduleAnyway"
    assert default["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]["weight"] == 100


def test_the_budget_keeps_all_but_one_replica_through_drains(run_k8s):
    pdb = as_manifest(run_k8s(BASE).one(PDB).inputs["spec"])
    assert pdb == {"maxUnavailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": "registry", "app.kubernetes.io/instance": "registry"}}}


def test_the_ingress_ends_tls_and_lets_large_layers_through(run_k8s):
    ingress = as_manifest(run_k8s(BASE).one(INGRESS).inputs)
    annotations = ingress["metadata"]["annotations"]
    assert annotations["cert-manager.io/cluster-issuer"] == "letsencrypt"
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "0"
    assert annotations["nginx.ingress.kubernetes.io/proxy-request-buffering"] == "off"
    assert ingress["spec"]["tls"] == [{"hosts": ["registry.example.com"], "secretName": "registry-tls"}]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]
    assert backend == {"service": {"name": "registry", "port": {"name": "http"}}}
    given = as_manifest(run_k8s({**BASE, "ingress": {
        "host": "registry.example.com", "className": None, "bodySize": "10g",
        "tls": {"secretName": "wildcard-tls", "caCertificatePem": "-----BEGIN CERTIFICATE-----\n..."},
        "annotations": {"nginx.ingress.kubernetes.io/proxy-body-size": "20g"},
    }}).one(INGRESS).inputs)
    assert "cert-manager.io/cluster-issuer" not in given["metadata"]["annotations"]
    assert given["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"] == "20g"  # the user's wins
    assert given["spec"]["tls"][0]["secretName"] == "wildcard-tls" and "ingressClassName" not in given["spec"]


def test_the_namespace_enforces_the_restricted_pod_security_standard(run_k8s):
    labels = run_k8s(BASE).one(NAMESPACE).inputs["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    assert not run_k8s({**BASE, "createNamespace": False}).of_type(NAMESPACE)


# One http.secret, the config Secret and its checksum


def test_one_generated_http_secret_is_shared_by_every_replica_and_kept(run_k8s, stack_state):
    first = run_k8s(BASE, state=stack_state)
    generated = first.one(PASSWORD, "kubernetes-http-secret").outputs["result"]
    assert mounted_config(first)["http"]["secret"] == generated and len(generated) == 64
    # One Secret for all replicas: every pod of the Deployment mounts the same config.
    assert len(first.of_type(SECRET)) == 1
    second = run_k8s(BASE, state=stack_state)
    assert mounted_config(second)["http"]["secret"] == generated
    assert second.one(DEPLOYMENT).inputs == first.one(DEPLOYMENT).inputs


def test_a_given_http_secret_is_used_and_none_is_generated(run_k8s):
    run = run_k8s({**BASE, "httpSecret": "g" * 48})
    assert mounted_config(run)["http"]["secret"] == "g" * 48
    assert not [r for r in run.of_type(PASSWORD) if r.name.endswith("http-secret")]
    assert run.exports["kubernetes"].value["httpSecret"] == "given"


def test_the_config_secret_is_secret_and_holds_the_shared_renderer_output(run_k8s):
    run = run_k8s(BASE)
    secret = run.one(SECRET)
    assert "stringData" in secret.secret_inputs
    assert set(secret.inputs["stringData"]) == {"config.yml", "htpasswd"}
    htpasswd = secret.inputs["stringData"]["htpasswd"].splitlines()
    assert [line.split(":")[0] for line in htpasswd] == ["ci", "admin"] and all("$2b$10$" in line for line in htpasswd)
    assert not run.one(DEPLOYMENT).secret_inputs  # only a hash of the secret files, kept plain


def test_a_config_change_changes_the_pod_template_checksum(run_k8s, stack_state):
    checksum = lambda run: run.one(DEPLOYMENT).inputs["spec"]["template"]["metadata"]["annotations"][manifests.CHECKSUM_ANNOTATION]  # noqa: E731
    first = run_k8s(BASE, state=stack_state)
    assert checksum(first) == run_k8s(BASE, state=stack_state).exports["kubernetes"].value["configChecksum"]
    same = checksum(run_k8s(BASE, state=stack_state))
    changed = checksum(run_k8s({**BASE, "log": {"level": "debug"}}, state=stack_state))
    more_users = checksum(run_k8s({**BASE, "users": [*BASE["users"], {"name": "reader"}]}, state=stack_state))
    assert checksum(first) == same
    assert len({same, changed, more_users}) == 3


# Outputs


def test_outputs_use_the_shared_shape_with_secrets_kept_secret(run_k8s):
    run = run_k8s(BASE)
    public = run.exports["registries"].value["kubernetes"]
    assert public["kind"] == "kubernetes" and public["loginServer"] == "registry.example.com"
    assert public["endpoint"] == "https://registry.example.com" and public["username"] == "ci"
    assert public["loginCommand"] == "docker login registry.example.com --username ci --password-stdin"
    assert {i["name"] for i in public["identities"]} == {"ci", "admin"}
    assert run.exports["kubernetesUserPasswords"].secret and run.exports["registryCredentials"].secret
    details = run.exports["kubernetes"].value
    assert details["service"] == "registry.registry.svc.cluster.local:5000" and details["replicas"] == 2
    assert details["storage"] == "s3" and details["httpSecret"] == "generated"
    assert not run.exports["kubernetes"].secret
    passwords = run.exports["kubernetesUserPasswords"].value
    assert passwords["ci"] == run.one(PASSWORD, "kubernetes-ci-password").outputs["result"]


def test_the_component_takes_a_plain_mapping_as_args():
    from tests.support.harness import run_under_mocks

    from registry_platform import KubernetesRegistry

    run = run_under_mocks(lambda: KubernetesRegistry("reg", {"auth": "none", "storage": {"s3": S3}}))
    assert run.one(DEPLOYMENT).inputs["metadata"]["name"] == "registry"


# Offline validation against the Kubernetes API schemas


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_every_declared_object_is_valid_for_the_kubernetes_api(run_k8s, config, version):
    run = run_k8s(CONFIGS[config])
    validated = 0
    for registration in kubernetes_objects(run):
        manifest = as_manifest(registration.inputs)
        if registration.type == MONITOR:
            continue  # a CRD: not in the Kubernetes schemas (checked in test_every_feature_declares_its_object)
        kubernetes_validate.validate(manifest, version, strict=True)
        validated += 1
    assert validated >= 6


@pytest.mark.parametrize(
    "break_it",
    [
        lambda d: d["spec"]["template"]["spec"]["containers"][0]["securityContext"].update(readOnlyRootFS=True),
        lambda d: d["spec"].update(replicas="two"),
        lambda d: d["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"].pop("port"),
        lambda d: d["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["tcpSocket"].pop("port"),
    ],
)
def test_the_validation_catches_a_broken_manifest(break_it):
    """The control: the schema check is not vacuous."""
    args = KubernetesRegistryArgs.model_validate(BASE)
    deployment = manifests.deployment(args, "0" * 64)
    kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[0], strict=True)
    broken = copy.deepcopy(deployment)
    break_it(broken)
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[0], strict=True)
