"""Checks of a certificate and key the user brings, made before anything is deployed.

A certificate that does not parse, a key that does not belong to it, or a host the certificate
does not name would otherwise only show as a crash-looping registry container.
"""

from __future__ import annotations

import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import serialization


def load_certificate(pem: str) -> x509.Certificate | None:
    try:
        return x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        return None


def key_problem(certificate: x509.Certificate, key_pem: str) -> str | None:
    """Why the private key cannot serve this certificate (never quoting the key)."""
    try:
        key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    except (ValueError, TypeError):
        return "is not an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)"
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    encoding = serialization.Encoding.DER
    if key.public_key().public_bytes(encoding, public) != certificate.public_key().public_bytes(encoding, public):
        return "does not belong to certificatePem (their public keys differ)"
    return None


def certificate_names(certificate: x509.Certificate) -> list[str]:
    try:
        sans = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [*sans.get_values_for_type(x509.DNSName), *(str(ip) for ip in sans.get_values_for_type(x509.IPAddress))]


def covers(names: list[str], host: str) -> bool:
    """Whether a certificate with these SANs is valid for `host` (one-label wildcards as TLS clients match them)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for name in names:
        if address is not None:
            try:
                if ipaddress.ip_address(name) == address:
                    return True
            except ValueError:
                continue
            continue
        if name.lower() == host.lower():
            return True
        if name.startswith("*.") and "." in host and host.split(".", 1)[1].lower() == name[2:].lower():
            return True
    return False
