"""`KubernetesRegistry`: registry:2 as several replicas on Kubernetes, sharing object storage, one
`http.secret` and a Redis blob-descriptor cache.

Children: an optional explicit provider, the namespace, a ServiceAccount, the config Secret
(`config.yml` from the same renderer as the Docker registry, htpasswd, a GCS key), the Deployment,
its Service, and as configured a PodDisruptionBudget, an Ingress, a HorizontalPodAutoscaler, a
ServiceMonitor and (filesystem storage, one replica) a PersistentVolumeClaim.
"""

from __future__ import annotations

import hashlib
from typing import Any, Mapping, Optional

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from ..access import CiIdentity, RegistryAccess
from ..selfhosted.config_file import render_registry_config
from ..selfhosted.users import htpasswd_users
from ..settings.base import secret_output
from ..settings.kubernetes import KubernetesRegistryArgs
from . import manifests

TYPE = "registry-platform:kubernetes:KubernetesRegistry"
HTTP_SECRET_LENGTH = 64


def config_checksum(files: Mapping[str, str]) -> str:
    """SHA-256 over every file of the config Secret, in key order: changes when any of them does."""
    digest = hashlib.sha256()
    for key in sorted(files):
        digest.update(key.encode() + b"\0" + files[key].encode() + b"\0")
    return digest.hexdigest()


def login_command(login_server: str, user: Optional[str]) -> Optional[str]:
    if user is None:
        return None
    return f"docker login {login_server} --username {user} --password-stdin"


def _declare(cls, name: str, manifest: dict[str, Any], opts: pulumi.ResourceOptions, **extra):
    """A typed pulumi-kubernetes resource from a manifest (apiVersion and kind are the class's own)."""
    fields = {key: value for key, value in manifest.items() if key not in ("apiVersion", "kind")}
    return cls(name, **{_snake(key): value for key, value in fields.items()}, **extra, opts=opts)


def _snake(key: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in key)


class KubernetesRegistry(pulumi.ComponentResource):
    """A highly available registry:2 on Kubernetes (HA needs object storage; see README, Scaling out)."""

    access: RegistryAccess
    """The shared output shape (login server, first user, password, CA, docker config.json)."""
    endpoint: pulumi.Output[str]
    login_server: pulumi.Output[str]
    user_passwords: pulumi.Output[Mapping[str, str]]
    """User name -> password, secret."""
    config_yaml: pulumi.Output[str]
    """The rendered config.yml the replicas mount (secret)."""
    config_checksum: pulumi.Output[str]
    """SHA-256 of the config Secret's files (the pod template annotation)."""
    provider: Optional[k8s.Provider]
    """The explicit provider, when `context` is set."""

    def __init__(
        self,
        name: str,
        args: KubernetesRegistryArgs | Mapping[str, Any],
        opts: Optional[pulumi.ResourceOptions] = None,
    ):
        args = KubernetesRegistryArgs.coerce(args)
        super().__init__(TYPE, name, None, opts)
        self.provider = None
        if args.context is not None:
            self.provider = k8s.Provider(f"{name}-provider", context=args.context, opts=pulumi.ResourceOptions(parent=self))
        child = pulumi.ResourceOptions(parent=self, provider=self.provider)

        namespace = None
        if args.create_namespace:
            namespace = _declare(k8s.core.v1.Namespace, f"{name}-namespace", manifests.namespace(args), child)
        placed = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[namespace] if namespace else []))

        # One http.secret for every replica: uploads started on one replica continue on another.
        if args.http_secret is not None:
            http_secret = secret_output(args.http_secret)
        else:
            generated = random.RandomPassword(f"{name}-http-secret", length=HTTP_SECRET_LENGTH, special=False, opts=child)
            http_secret = pulumi.Output.secret(generated.result)

        registry_settings = args.registry_settings()
        config_secrets = {path: secret_output(value) for path, value in args.config_secrets().items()}
        rendered = pulumi.Output.all(http_secret, pulumi.Output.all(**config_secrets)).apply(
            lambda values: render_registry_config(registry_settings, http_secret=values[0], secrets=values[1])
        )
        files: dict[str, pulumi.Output[str]] = {manifests.CONFIG_KEY: pulumi.Output.secret(rendered)}
        passwords: dict[str, pulumi.Output[str]] = {}
        if args.auth == "htpasswd":
            users = htpasswd_users(name, args.users, args.bcrypt_cost, self)
            passwords = users.passwords
            files[manifests.HTPASSWD_KEY] = users.htpasswd
        gcs = args.storage.gcs
        if gcs is not None and gcs.keyfile is not None:
            files[manifests.GCS_KEY] = secret_output(gcs.keyfile)

        keys = list(files)
        all_files = pulumi.Output.all(*files.values()).apply(lambda values: dict(zip(keys, values)))
        # A hash of secret files reveals nothing about them; kept plain so the Deployment is not all secret.
        self.config_checksum = pulumi.Output.unsecret(all_files.apply(config_checksum))
        self.config_yaml = pulumi.Output.secret(rendered)

        self.service_account = _declare(
            k8s.core.v1.ServiceAccount, f"{name}-service-account", manifests.service_account(args), placed
        )
        self.config_secret = _declare(
            k8s.core.v1.Secret, f"{name}-config", manifests.config_secret(args, pulumi.Output.secret(all_files)),
            pulumi.ResourceOptions.merge(placed, pulumi.ResourceOptions(additional_secret_outputs=["data", "stringData"])),
        )
        depends = [self.config_secret, self.service_account]
        self.data_claim = None
        claim = manifests.data_claim(args)
        if claim is not None:
            self.data_claim = _declare(k8s.core.v1.PersistentVolumeClaim, f"{name}-data", claim, placed)
            depends.append(self.data_claim)
        self.deployment = _declare(
            k8s.apps.v1.Deployment, f"{name}-deployment", manifests.deployment(args, self.config_checksum),
            pulumi.ResourceOptions.merge(placed, pulumi.ResourceOptions(depends_on=depends)),
        )
        self.service = _declare(k8s.core.v1.Service, f"{name}-service", manifests.service(args), placed)
        after_deployment = pulumi.ResourceOptions.merge(placed, pulumi.ResourceOptions(depends_on=[self.deployment]))

        self.disruption_budget = None
        budget = manifests.disruption_budget(args)
        if budget is not None:
            self.disruption_budget = _declare(k8s.policy.v1.PodDisruptionBudget, f"{name}-pdb", budget, placed)
        self.ingress = None
        ingress = manifests.ingress(args)
        if ingress is not None:
            self.ingress = _declare(
                k8s.networking.v1.Ingress, f"{name}-ingress", ingress,
                pulumi.ResourceOptions.merge(placed, pulumi.ResourceOptions(depends_on=[self.service])),
            )
        self.autoscaler = None
        hpa = manifests.autoscaler(args)
        if hpa is not None:
            self.autoscaler = _declare(k8s.autoscaling.v2.HorizontalPodAutoscaler, f"{name}-hpa", hpa, after_deployment)
        self.service_monitor = None
        monitor = manifests.service_monitor(args)
        if monitor is not None:
            # A CRD of the Prometheus Operator: untyped, so apiVersion and kind are given.
            self.service_monitor = k8s.apiextensions.CustomResource(
                f"{name}-service-monitor",
                api_version=monitor["apiVersion"],
                kind=monitor["kind"],
                metadata=monitor["metadata"],
                spec=monitor["spec"],
                opts=pulumi.ResourceOptions.merge(placed, pulumi.ResourceOptions(depends_on=[self.service])),
            )

        first_user = args.users[0].name if passwords else None
        self.user_names = list(passwords)
        self.endpoint = pulumi.Output.from_input(args.endpoint)
        self.login_server = pulumi.Output.from_input(args.login_server)
        self.user_passwords = pulumi.Output.secret(pulumi.Output.from_input(passwords))
        ca = args.ingress.tls.ca_certificate_pem if args.ingress is not None else None
        self.ca_certificate_pem = pulumi.Output.from_input(ca)
        self.details = {
            "endpoint": self.endpoint,
            "loginServer": self.login_server,
            "caCertificatePem": self.ca_certificate_pem,
            "namespace": args.namespace,
            "deployment": args.name,
            "service": f"{args.service_host}:{args.service.port}",
            "replicas": args.replicas,
            "autoscaling": (
                {"minReplicas": args.effective_min_replicas, "maxReplicas": args.autoscaling.max_replicas}
                if args.autoscaling is not None else None
            ),
            "storage": args.storage.driver,
            "blobDescriptorCache": registry_settings.blob_descriptor_cache,
            "users": list(self.user_names),
            "configChecksum": self.config_checksum,
            "httpSecret": "given" if args.http_secret is not None else "generated",
        }
        self.access = RegistryAccess.create(
            "kubernetes",
            endpoint=self.endpoint,
            login_server=self.login_server,
            username=first_user,
            password=passwords[first_user] if first_user else None,
            ca_certificate_pem=self.ca_certificate_pem,
            login_command=login_command(args.login_server, first_user),
            identities=[
                CiIdentity(name=user, access="push", type="htpasswd-user", id=pulumi.Output.from_input(user))
                for user in passwords
            ],
        )
        self.register_outputs({**self.details, "userPasswords": self.user_passwords})

    def stack_outputs(self) -> dict[str, Any]:
        """What the stack program exports for this registry (besides the shared shape)."""
        return {"kubernetes": dict(self.details), "kubernetesUserPasswords": self.user_passwords}
