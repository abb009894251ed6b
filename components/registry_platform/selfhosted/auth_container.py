"""The token server of `auth: token`: cesanta/docker_auth in its own hardened container.

Declared as children of the `SelfHostedRegistry`: an RSA signing key and a self-signed certificate
(pulumi-tls; the registry trusts the certificate as its `rootcertbundle`), the pinned docker_auth
image, and the container, which receives its config, the registry's TLS certificate and the
signing key as uploaded files.
"""

from __future__ import annotations

from typing import Any, Mapping

import pulumi
import pulumi_docker as docker
import pulumi_tls as tls

from ..settings.selfhosted import SelfHostedRegistryArgs
from ..settings.token_auth import AUTH_CONTAINER_PORT
from .layout import AUTH_LAYOUT
from .tls import ServerTls
from .token_server import libtrust_key_id, render_docker_auth_config

SECRET_FILE_MODE = "0400"
PUBLIC_FILE_MODE = "0444"
SIGNING_USES = ["digital_signature"]


class TokenServer:
    """The signing key and certificate, and the docker_auth container that issues tokens with them."""

    def __init__(
        self,
        name: str,
        args: SelfHostedRegistryArgs,
        password_hashes: pulumi.Output[Mapping[str, str]],
        server_tls: ServerTls,
        labels: Mapping[str, str],
        registry_container_name: str,
        parent: pulumi.Resource,
    ):
        token = args.token_settings
        opts = pulumi.ResourceOptions(parent=parent)
        key = tls.PrivateKey(f"{name}-token-signing-key", algorithm="RSA", rsa_bits=token.key_bits, opts=opts)
        certificate = tls.SelfSignedCert(
            f"{name}-token-signing-cert",
            private_key_pem=key.private_key_pem,
            subject=tls.SelfSignedCertSubjectArgs(common_name=token.issuer[:64], organization=args.tls.organization),
            validity_period_hours=token.certificate_validity_hours,
            allowed_uses=SIGNING_USES,
            opts=opts,
        )
        self.realm = args.token_realm
        self.service = token.service
        self.issuer = token.issuer
        self.signing_certificate_pem: pulumi.Output[str] = certificate.cert_pem
        self.signing_key_id: pulumi.Output[str] = key.public_key_pem.apply(libtrust_key_id)
        config = password_hashes.apply(lambda hashes: render_docker_auth_config(args, hashes))
        uploads = [
            docker.ContainerUploadArgs(
                file=AUTH_LAYOUT.config, content=pulumi.Output.secret(config), permissions=SECRET_FILE_MODE
            ),
            docker.ContainerUploadArgs(
                file=AUTH_LAYOUT.certificate, content=server_tls.certificate_pem, permissions=PUBLIC_FILE_MODE
            ),
            docker.ContainerUploadArgs(
                file=AUTH_LAYOUT.private_key, content=server_tls.private_key_pem, permissions=SECRET_FILE_MODE
            ),
            docker.ContainerUploadArgs(
                file=AUTH_LAYOUT.token_certificate, content=certificate.cert_pem, permissions=PUBLIC_FILE_MODE
            ),
            docker.ContainerUploadArgs(
                file=AUTH_LAYOUT.token_key,
                content=pulumi.Output.secret(key.private_key_pem),
                permissions=SECRET_FILE_MODE,
            ),
        ]
        image = docker.RemoteImage(f"{name}-auth-image", name=token.image, keep_locally=True, opts=opts)
        log = args.container.log
        log_args: dict[str, Any] = {"log_driver": log.driver, "log_opts": log.options} if log else {}
        container_labels = {**labels, **args.container.labels, "org.registry-platform.role": "token-server"}
        self.container = docker.Container(
            f"{name}-auth-container",
            name=token.name or f"{registry_container_name}-auth"[:128],
            image=image.image_id,
            command=["--logtostderr=true", AUTH_LAYOUT.config],
            restart=args.container.restart_policy,
            must_run=True,
            ports=[
                docker.ContainerPortArgs(
                    internal=AUTH_CONTAINER_PORT, external=token.port, ip=args.token_bind_address
                )
            ],
            uploads=uploads,
            labels=[docker.ContainerLabelArgs(label=k, value=v) for k, v in container_labels.items()],
            capabilities=docker.ContainerCapabilitiesArgs(drops=["ALL"]),
            security_opts=["no-new-privileges:true"],
            **log_args,
            opts=pulumi.ResourceOptions(parent=parent, ignore_changes=[] if log else ["logDriver", "logOpts"]),
        )
        self.container_name: pulumi.Output[str] = self.container.name

    def public(self) -> dict[str, Any]:
        """What clients and other token issuers need (no secret)."""
        return {
            "realm": self.realm,
            "service": self.service,
            "issuer": self.issuer,
            "containerName": self.container_name,
            "signingKeyId": self.signing_key_id,
            "signingCertificatePem": self.signing_certificate_pem,
        }
