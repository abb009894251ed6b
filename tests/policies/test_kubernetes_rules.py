"""The Kubernetes registry rules, called directly: a passing and failing case each, on the manifests
our own component renders and on hand-written ones; and the pack on our component's recorded run."""

from __future__ import annotations

import base64
import copy

import pytest
import yaml

from registry_platform.kubernetes import manifests
from registry_platform.settings.kubernetes import KubernetesRegistryArgs
from registry_policies import all_policies

from .support import check, check_stack

POLICIES = {p.name: p for p in all_policies()}
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SECRET = "kubernetes:core/v1:Secret"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
S3 = {"bucket": "registry-data", "region": "eu-west-1", "accessKey": "AKIAEXAMPLE", "secretKey": "secret-key-1"}
ARGS = KubernetesRegistryArgs.model_validate({"auth": "none", "storage": {"s3": S3}, "replicas": 3})
SHARED_CONFIG = {"version": "0.1", "storage": {"s3": {"bucket": "b"}, "delete": {"enabled": False}}, "http": {"secret": "x" * 64}}


def deployment(**replace) -> dict:
    """Our component's Deployment (the manifest it registers)."""
    found = manifests.deployment(ARGS, "0" * 64)
    for path, value in replace.items():
        target = found
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[last] = value
    return found


def container_context(**settings) -> dict:
    return {**manifests.container_security_context(ARGS), **settings}


CONTAINER_CONTEXT = "spec.template.spec.containers.0.securityContext"
POD_CONTEXT = "spec.template.spec.securityContext"


@pytest.mark.parametrize(
    ("rule", "bads"),
    [
        ("kubernetes-registry-non-root", [
            {CONTAINER_CONTEXT: container_context(runAsNonRoot=False), POD_CONTEXT: {}},
            {CONTAINER_CONTEXT: container_context(runAsUser=0)},
            {CONTAINER_CONTEXT: {k: v for k, v in container_context().items() if k != "runAsNonRoot"}, POD_CONTEXT: {}},
        ]),
        ("kubernetes-registry-read-only-root", [
            {CONTAINER_CONTEXT: container_context(readOnlyRootFilesystem=False)},
            {CONTAINER_CONTEXT: {k: v for k, v in container_context().items() if k != "readOnlyRootFilesystem"}},
        ]),
        ("kubernetes-registry-no-privilege-escalation", [
            {CONTAINER_CONTEXT: container_context(allowPrivilegeEscalation=True)},
            {CONTAINER_CONTEXT: {k: v for k, v in container_context().items() if k != "allowPrivilegeEscalation"}},
            {CONTAINER_CONTEXT: container_context(privileged=True)},
        ]),
    ],
)
def test_pod_hardening_rules(rule, bads):
    policy = POLICIES[rule]
    assert check(policy, DEPLOYMENT, deployment()) == []
    for bad in bads:
        assert len(check(policy, DEPLOYMENT, deployment(**bad))) == 1, bad


def test_the_pod_security_context_counts_as_the_containers_default():
    context = {k: v for k, v in container_context().items() if k not in ("runAsNonRoot", "runAsUser")}
    assert check(POLICIES["kubernetes-registry-non-root"], DEPLOYMENT, deployment(**{CONTAINER_CONTEXT: context})) == []


def test_other_workloads_are_left_alone():
    web = copy.deepcopy(deployment())
    web["spec"]["template"]["spec"]["containers"][0].update(image="nginx:1.27.0", command=["nginx"], args=[], securityContext={})
    for rule in ("kubernetes-registry-non-root", "kubernetes-registry-read-only-root", "kubernetes-registry-no-privilege-escalation"):
        assert check(POLICIES[rule], DEPLOYMENT, web) == []
    assert check_stack(POLICIES["kubernetes-registry-replicas-share-state"], [(DEPLOYMENT, "web", {**web, "spec": {**web["spec"], "replicas": 5}})]) == []


def secret(config: dict, encoded: bool = False) -> dict:
    text = yaml.safe_dump(config)
    data = {"data": {"config.yml": base64.b64encode(text.encode()).decode()}} if encoded else {"stringData": {"config.yml": text}}
    return {"metadata": {"name": "registry-config", "namespace": "registry"}, "type": "Opaque", **data}


def shared_state(*resources):
    return check_stack(POLICIES["kubernetes-registry-replicas-share-state"], list(resources))


def test_replicas_with_object_storage_and_a_shared_secret_pass():
    assert shared_state((DEPLOYMENT, "registry", deployment()), (SECRET, "config", secret(SHARED_CONFIG))) == []
    assert shared_state((DEPLOYMENT, "registry", deployment()), (SECRET, "config", secret(SHARED_CONFIG, encoded=True))) == []


def test_replicas_on_filesystem_or_without_http_secret_fail():
    filesystem = {**SHARED_CONFIG, "storage": {"filesystem": {"rootdirectory": "/var/lib/registry"}}}
    found = shared_state((DEPLOYMENT, "registry", deployment()), (SECRET, "config", secret(filesystem)))
    assert len(found) == 1 and "`filesystem` storage" in found[0][0]
    no_secret = {**SHARED_CONFIG, "http": {"addr": ":5000"}}
    found = shared_state((DEPLOYMENT, "registry", deployment()), (SECRET, "config", secret(no_secret)))
    assert len(found) == 1 and "without a shared http.secret" in found[0][0]


def test_an_autoscaler_counts_and_one_replica_is_fine():
    filesystem = {**SHARED_CONFIG, "storage": {"filesystem": {}}}
    single = deployment(**{"spec.replicas": 1})
    assert shared_state((DEPLOYMENT, "registry", single), (SECRET, "config", secret(filesystem))) == []
    hpa = {"metadata": {"name": "registry", "namespace": "registry"},
           "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "registry"}, "maxReplicas": 4}}
    assert len(shared_state((DEPLOYMENT, "registry", single), (SECRET, "config", secret(filesystem)), (HPA, "hpa", hpa))) == 1


def test_a_config_outside_the_stack_is_reported_and_environment_settings_count():
    found = shared_state((DEPLOYMENT, "registry", deployment()))
    assert len(found) == 1 and "not declared in this stack" in found[0][0]
    env = deployment(**{"spec.template.spec.containers.0.env": [
        {"name": "REGISTRY_STORAGE", "value": "s3"},
        {"name": "REGISTRY_HTTP_SECRET", "valueFrom": {"secretKeyRef": {"name": "registry-secret", "key": "secret"}}},
    ]})
    assert shared_state((DEPLOYMENT, "registry", env)) == []


def test_our_component_passes_every_kubernetes_rule(run_stack):
    run = run_stack({"kubernetes": {
        "users": [{"name": "ci"}], "storage": {"s3": S3},
        "ingress": {"host": "registry.example.com", "tls": {"secretName": "registry-tls"}},
        "autoscaling": {"maxReplicas": 4},
    }}, secret_keys=["registry-platform:kubernetes"])
    resources = [(r.type, r.name, r.outputs) for r in run.resources if r.custom]
    for name in ("kubernetes-registry-non-root", "kubernetes-registry-read-only-root", "kubernetes-registry-no-privilege-escalation"):
        deployment_props = run.one(DEPLOYMENT).inputs
        assert check(POLICIES[name], DEPLOYMENT, deployment_props) == [], name
    assert shared_state(*resources) == []
