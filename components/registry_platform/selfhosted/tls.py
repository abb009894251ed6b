"""Certificates for the self-hosted registry: a private CA and a server certificate it signs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_tls as tls

from ..settings import secret_output
from ..settings.selfhosted import SUBJECT_ATTRIBUTE_MAX, TlsSettings

CA_USES = ["cert_signing", "crl_signing", "digital_signature"]
SERVER_USES = ["digital_signature", "key_encipherment", "server_auth"]


@dataclass(frozen=True)
class ServerTls:
    """What the registry serves (certificate, secret key) and what clients trust (CA)."""

    certificate_pem: pulumi.Output[str]
    private_key_pem: pulumi.Output[str]
    ca_certificate_pem: pulumi.Output[Optional[str]]
    ca_private_key_pem: Optional[pulumi.Output[str]] = None
    """The generated CA's key (secret), so that the stack's mirrors get certificates from the same CA; None
    for a provided certificate."""


def server_common_name(host: str) -> str | None:
    """The host as common name when it fits RFC 5280's 64 characters; none otherwise.

    Clients match the SANs (the CN is ignored once SANs are present), so a longer host name is
    served by the SANs alone and the subject keeps just the organization.
    """
    return host if len(host) <= SUBJECT_ATTRIBUTE_MAX else None


def ca_common_name(name: str) -> str:
    """`<component> registry CA`, cut to the 64 characters a subject attribute may hold."""
    suffix = " registry CA"
    return name[: SUBJECT_ATTRIBUTE_MAX - len(suffix)] + suffix


def _private_key(name: str, settings: TlsSettings, opts: pulumi.ResourceOptions) -> tls.PrivateKey:
    if settings.key_algorithm == "RSA":
        return tls.PrivateKey(name, algorithm="RSA", rsa_bits=settings.rsa_bits, opts=opts)
    return tls.PrivateKey(name, algorithm="ECDSA", ecdsa_curve="P256", opts=opts)


def generated_tls(name: str, settings: TlsSettings, host: str, parent: pulumi.Resource) -> ServerTls:
    """CA key + self-signed CA certificate, server key + CSR + certificate signed by the CA."""
    opts = pulumi.ResourceOptions(parent=parent)
    ca_key = _private_key(f"{name}-ca-key", settings, opts)
    ca_cert = tls.SelfSignedCert(
        f"{name}-ca-cert",
        private_key_pem=ca_key.private_key_pem,
        is_ca_certificate=True,
        subject=tls.SelfSignedCertSubjectArgs(
            common_name=ca_common_name(name), organization=settings.organization
        ),
        validity_period_hours=settings.ca_validity_hours,
        allowed_uses=CA_USES,
        set_subject_key_id=True,
        opts=opts,
    )
    authority = ServerTls(
        certificate_pem=ca_cert.cert_pem,
        private_key_pem=pulumi.Output.secret(ca_key.private_key_pem),
        ca_certificate_pem=ca_cert.cert_pem,
        ca_private_key_pem=pulumi.Output.secret(ca_key.private_key_pem),
    )
    server = signed_by_ca(name, settings, host, authority, parent)
    return ServerTls(
        certificate_pem=server.certificate_pem,
        private_key_pem=server.private_key_pem,
        ca_certificate_pem=ca_cert.cert_pem,
        ca_private_key_pem=authority.ca_private_key_pem,
    )


def signed_by_ca(name: str, settings: TlsSettings, host: str, ca: ServerTls, parent: pulumi.Resource) -> ServerTls:
    """Another server certificate (its own key) from the CA of `ca`, for the same names: a mirror next to the registry."""
    if ca.ca_private_key_pem is None:
        raise ValueError("signed_by_ca needs a generated CA (its key)")
    opts = pulumi.ResourceOptions(parent=parent)
    server_key = _private_key(f"{name}-server-key", settings, opts)
    request = tls.CertRequest(
        f"{name}-server-csr",
        private_key_pem=server_key.private_key_pem,
        subject=tls.CertRequestSubjectArgs(common_name=server_common_name(host), organization=settings.organization),
        dns_names=settings.dns_names,
        ip_addresses=settings.ip_addresses,
        opts=opts,
    )
    server_cert = tls.LocallySignedCert(
        f"{name}-server-cert",
        cert_request_pem=request.cert_request_pem,
        ca_private_key_pem=ca.ca_private_key_pem,
        ca_cert_pem=ca.ca_certificate_pem,
        validity_period_hours=settings.validity_hours,
        early_renewal_hours=settings.early_renewal_hours,
        allowed_uses=SERVER_USES,
        opts=opts,
    )
    return ServerTls(
        certificate_pem=server_cert.cert_pem,
        private_key_pem=pulumi.Output.secret(server_key.private_key_pem),
        ca_certificate_pem=ca.ca_certificate_pem,
    )


def provided_tls(settings: TlsSettings) -> ServerTls:
    """A certificate and key the user brings (the key from a config secret)."""
    return ServerTls(
        certificate_pem=pulumi.Output.from_input(settings.certificate_pem),
        private_key_pem=secret_output(settings.private_key_pem),
        ca_certificate_pem=pulumi.Output.from_input(settings.ca_certificate_pem),
    )
