"""The `kubernetes` section: what cannot work with several replicas is a config error, every problem
at its config path in one run; defaults are the HA ones."""

from __future__ import annotations

import pytest

from registry_platform.selfhosted.config_file import render_registry_config
from registry_platform.settings import SettingsError, load_stack_settings
from registry_platform.settings.kubernetes import KubernetesRegistryArgs
from registry_platform.settings.stack import plain_text_secret_problems

S3 = {"bucket": "registry-data", "region": "eu-west-1", "accessKey": "AKIAEXAMPLE", "secretKey": "secret-key-1"}
INGRESS = {"host": "registry.example.com", "tls": {"certManagerClusterIssuer": "letsencrypt"}}


def section(**overrides):
    return {"users": [{"name": "ci"}], "ingress": INGRESS, "storage": {"s3": S3}, **overrides}


def problems(kubernetes: dict) -> dict[str, str]:
    with pytest.raises(SettingsError) as caught:
        load_stack_settings({"kubernetes": kubernetes})
    return {problem.path: problem.message for problem in caught.value.problems}


def test_the_defaults_are_highly_available():
    args = load_stack_settings({"kubernetes": section()}).kubernetes
    assert args.replicas == 2 and args.highly_available
    assert args.disruption_budget.enabled and args.spread.anti_affinity == "preferred"
    assert args.image == "registry:2.8.3" and args.http_secret is None
    assert args.login_server == "registry.example.com" and args.endpoint == "https://registry.example.com"


def test_an_empty_section_says_everything_that_is_missing_at_once():
    found = problems({})
    assert set(found) == {"kubernetes.users", "kubernetes.ingress", "kubernetes.storage"}
    assert "2 replicas cannot share filesystem storage" in found["kubernetes.storage"]
    assert "storage.s3" in found["kubernetes.storage"]


def test_filesystem_storage_is_refused_with_more_than_one_replica_or_an_autoscaler():
    found = problems(section(storage={}, replicas=3, autoscaling={"maxReplicas": 4}))
    assert "3 replicas cannot share filesystem storage" in found["kubernetes.storage"]
    assert "needs object storage" in found["kubernetes.autoscaling"]
    single = load_stack_settings({"kubernetes": section(storage={}, replicas=1)}).kubernetes
    assert single.storage.uses_volume and not single.highly_available


@pytest.mark.parametrize(
    ("storage", "path", "fix"),
    [
        ({"s3": {"bucket": "registry-data", "region": "eu-west-1"}}, "kubernetes.storage.s3", "eks.amazonaws.com/role-arn"),
        ({"gcs": {"bucket": "registry-data"}}, "kubernetes.storage.gcs", "iam.gke.io/gcp-service-account"),
    ],
)
def test_object_storage_without_credentials_is_refused(storage, path, fix):
    found = problems(section(storage=storage))
    assert "has no credentials" in found[path] and fix in found[path]


def test_a_workload_identity_or_ambient_credentials_stand_in_for_keys():
    s3 = {"s3": {"bucket": "registry-data", "region": "eu-west-1"}}
    irsa = {"annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/registry"}}
    assert load_stack_settings({"kubernetes": section(storage=s3, serviceAccount=irsa)})
    assert load_stack_settings({"kubernetes": section(storage=s3, serviceAccount={"ambientCredentials": True})})
    gke = {"annotations": {"iam.gke.io/gcp-service-account": "registry@p.iam.gserviceaccount.com"}}
    assert load_stack_settings({"kubernetes": section(storage={"gcs": {"bucket": "registry-data"}}, serviceAccount=gke)})


def test_a_given_http_secret_must_be_long_and_a_missing_one_is_generated():
    assert "at least 32 characters" in problems(section(httpSecret="short"))["kubernetes.httpSecret"]
    args = KubernetesRegistryArgs.model_validate(section(httpSecret="s" * 32))
    assert args.http_secret.get_secret_value() == "s" * 32
    assert KubernetesRegistryArgs.model_validate(section()).http_secret is None


def test_the_http_secret_and_storage_keys_are_secrets_in_the_stack_file():
    found = plain_text_secret_problems({"kubernetes": section(httpSecret="s" * 40)}, lambda key: False)
    assert {p.path for p in found} >= {"kubernetes.httpSecret", "kubernetes.storage.s3.accessKey", "kubernetes.storage.s3.secretKey"}


def test_htpasswd_needs_an_ingress_and_users_and_no_roles():
    found = problems({"users": [{"name": "ci", "role": "developer"}], "storage": {"s3": S3}})
    assert "needs an Ingress with TLS" in found["kubernetes.ingress"]
    assert "token auth" in found["kubernetes.users[0].role"]
    assert "only used with `auth: htpasswd`" in problems({"auth": "none", "users": [{"name": "ci"}], "storage": {"s3": S3}})["kubernetes.users"]
    assert load_stack_settings({"kubernetes": {"auth": "none", "storage": {"s3": S3}}}).kubernetes.login_server == (
        "registry.registry.svc.cluster.local:5000"
    )


def test_other_combinations_that_cannot_work():
    found = problems(section(
        metrics={"serviceMonitor": {}}, debugPort=5000, service={"type": "LoadBalancer"},
        autoscaling={"minReplicas": 5, "maxReplicas": 3}, ingress={"host": "registry.example.com", "tls": {}},
    ))
    assert "needs `metrics.enabled: true`" in found["kubernetes.metrics.serviceMonitor"]
    assert "must differ" in found["kubernetes.debugPort"]
    assert "plain-HTTP registry port" in found["kubernetes.service.type"]
    assert "must not exceed maxReplicas" in found["kubernetes.autoscaling.minReplicas"]
    assert "cert-manager issuer" in found["kubernetes.ingress.tls.secretName"]
    assert "must be at least `replicas`" in problems(section(replicas=4, autoscaling={"maxReplicas": 3}))[
        "kubernetes.autoscaling.maxReplicas"
    ]


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("namespace", "Registry_NS", "not a Kubernetes name"),
        ("name", "-registry", "not a Kubernetes name"),
        ("resources", {"cpuRequest": "lots"}, "not a CPU quantity"),
        ("resources", {"memoryLimit": "1GB"}, "not a memory quantity"),
        ("labels", {"team": "a b"}, "not a label value"),
        ("image", "registry:latest", "is not pinned"),
    ],
)
def test_kubernetes_values_are_checked(key, value, fragment):
    found = problems(section(**{key: value}))
    assert any(fragment in message for message in found.values()), found


def test_the_registry_settings_render_with_the_shared_renderer_for_plain_http_in_the_pod():
    args = KubernetesRegistryArgs.model_validate(section(
        redis={"address": "redis.registry:6379"}, metrics={"enabled": True}, log={"level": "debug"},
    ))
    import yaml

    config = yaml.safe_load(render_registry_config(args.registry_settings(), http_secret="h" * 64))
    assert config["http"]["addr"] == ":5000" and "tls" not in config["http"]
    assert config["http"]["debug"] == {"addr": "0.0.0.0:5001", "prometheus": {"enabled": True, "path": "/metrics"}}
    assert config["auth"]["htpasswd"]["path"] == "/etc/docker/registry/auth/htpasswd"
    assert config["storage"]["s3"]["accesskey"] == "AKIAEXAMPLE" and config["storage"]["cache"] == {"blobdescriptor": "redis"}
    assert config["log"]["level"] == "debug" and config["http"]["secret"] == "h" * 64
