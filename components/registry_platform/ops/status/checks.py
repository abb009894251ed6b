"""The checks `status` runs against one registry, each bounded by a timeout.

For every registry, in order (a check that cannot run says why and is skipped, never crashes):

- `reachable`   TCP connect and, for https, a TLS handshake verified against the stack's CA
                (`caCertificatePem`; the system's trust store when the registry has none)
- `certificate` days until the server certificate (read from the handshake) expires
- `api`         `GET /v2/` answers 200 or 401 (the Distribution API, also served by ECR/ACR/GAR)
- `credentials` `GET /v2/` with the stack's CI credentials answers 200 (skipped when the registry
                is logged in to by identity, e.g. ECR without `exportLoginToken`)
- `catalog`     `GET /v2/_catalog` (paged): repository count, where the registry allows listing
- `health`, `metrics`  the debug server's `/debug/health` and Prometheus `/metrics`, when published
"""

from __future__ import annotations

import datetime
import socket
import ssl
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, Optional
from urllib.parse import urljoin, urlsplit

import httpx
from cryptography import x509

from .outputs import StackRegistry

Status = Literal["ok", "fail", "skip"]

CATALOG_PAGE = 1000
CATALOG_MAX_PAGES = 20
"""At most 20 000 repositories are counted (then the count says `20000+`)."""
LISTING_REFUSED = {401, 403, 404, 405}


@dataclass(frozen=True)
class CheckOptions:
    timeout: float = 5.0
    """Seconds for each connect, read and TLS handshake."""
    min_certificate_days: int = 30
    """A certificate expiring sooner fails (30: the generated certificate's early-renewal window)."""
    now: Optional[datetime.datetime] = None
    """Fixed time for tests (default: now)."""

    def current_time(self) -> datetime.datetime:
        return self.now or datetime.datetime.now(datetime.timezone.utc)


@dataclass
class Check:
    name: str
    status: Status
    detail: str
    value: Any = None
    """A machine-readable figure: days left, repository count, HTTP status..."""


@dataclass
class RegistryReport:
    registry: StackRegistry
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.status != "fail" for check in self.checks)

    @property
    def failed(self) -> list[str]:
        return [f"{self.registry.key}.{check.name}" for check in self.checks if check.status == "fail"]

    def status_of(self, name: str) -> Optional[Status]:
        return next((check.status for check in self.checks if check.name == name), None)


def ssl_context(registry: StackRegistry) -> ssl.SSLContext:
    """Trust exactly the stack's CA when it has one, else the system's trust store."""
    if registry.ca_certificate_pem:
        return ssl.create_default_context(cadata=registry.ca_certificate_pem)
    return ssl.create_default_context()


def _host_port(endpoint: str) -> tuple[str, int, bool]:
    parts = urlsplit(endpoint)
    tls = parts.scheme == "https"
    return parts.hostname or "", parts.port or (443 if tls else 80), tls


def _connect_problem(error: BaseException, timeout: float) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted with the stack's CA: {error.verify_message or error.reason}"
    if isinstance(error, ssl.SSLError):
        return f"TLS handshake failed: {error.reason or error}"
    if isinstance(error, (socket.timeout, TimeoutError, httpx.TimeoutException)):
        return f"no answer within {timeout:g}s"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused (is the registry running?)"
    if isinstance(error, socket.gaierror):
        return "host name does not resolve"
    if isinstance(error, httpx.ConnectError):
        if "refused" in str(error).lower():
            return "connection refused"
        return f"cannot connect: {error}"
    return f"{type(error).__name__}: {error}"


def probe_tls(registry: StackRegistry, options: CheckOptions) -> tuple[Check, Optional[x509.Certificate]]:
    """Connect (and verify TLS); return the `reachable` check and the peer certificate."""
    host, port, tls = _host_port(registry.endpoint)
    try:
        with socket.create_connection((host, port), timeout=options.timeout) as sock:
            if not tls:
                return Check("reachable", "ok", f"{host}:{port} answers (plain HTTP)"), None
            with ssl_context(registry).wrap_socket(sock, server_hostname=host) as tls_sock:
                der = tls_sock.getpeercert(binary_form=True)
                version = tls_sock.version()
    except (OSError, ssl.SSLError) as error:
        return Check("reachable", "fail", _connect_problem(error, options.timeout)), None
    trust = "the stack's CA" if registry.ca_certificate_pem else "the system trust store"
    return Check("reachable", "ok", f"{version}, certificate verified with {trust}"), x509.load_der_x509_certificate(der)


def certificate_check(certificate: Optional[x509.Certificate], options: CheckOptions, tls: bool) -> Check:
    if not tls:
        return Check("certificate", "skip", "plain HTTP: no certificate")
    if certificate is None:
        return Check("certificate", "skip", "not reachable")
    expires = certificate.not_valid_after_utc
    days = (expires - options.current_time()).total_seconds() / 86400
    whole = int(days // 1)
    text = f"expires {expires:%Y-%m-%d} (in {whole} days)" if days >= 0 else f"expired {expires:%Y-%m-%d}"
    if days < options.min_certificate_days:
        return Check("certificate", "fail", f"{text}; less than {options.min_certificate_days} days left", whole)
    return Check("certificate", "ok", text, whole)


def _expired(registry: StackRegistry, options: CheckOptions) -> Optional[str]:
    if not registry.password_expires_at:
        return None
    try:
        expires = datetime.datetime.fromisoformat(registry.password_expires_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=datetime.timezone.utc)
    return registry.password_expires_at if expires <= options.current_time() else None


def _api_checks(registry: StackRegistry, client: httpx.Client, options: CheckOptions) -> list[Check]:
    url = f"{registry.endpoint}/v2/"
    try:
        anonymous = client.get(url)
    except httpx.HTTPError as error:
        problem = _connect_problem(error, options.timeout)
        return [Check("api", "fail", f"GET /v2/: {problem}"), Check("credentials", "skip", "API did not answer"),
                Check("catalog", "skip", "API did not answer")]
    api_version = anonymous.headers.get("Docker-Distribution-API-Version", "")
    if anonymous.status_code not in (200, 401):
        return [Check("api", "fail", f"GET /v2/ answered HTTP {anonymous.status_code} (expected 200 or 401)", anonymous.status_code),
                Check("credentials", "skip", "API did not answer as a registry"), Check("catalog", "skip", "API did not answer as a registry")]
    needs_login = anonymous.status_code == 401
    suffix = f", {api_version}" if api_version else ""
    checks = [Check("api", "ok", f"GET /v2/: HTTP {anonymous.status_code}{' (login required)' if needs_login else ''}{suffix}", anonymous.status_code)]

    auth: Optional[httpx.BasicAuth] = None
    if not needs_login:
        checks.append(Check("credentials", "ok", "no login required (anyone who reaches it can use it)"))
    elif registry.password_hidden:
        checks.append(Check("credentials", "skip", "password hidden: read the outputs with --show-secrets"))
    elif registry.password is None:
        how = f"credential helper {registry.credential_helper}" if registry.credential_helper else "no password in the outputs"
        checks.append(Check("credentials", "skip", f"login by identity ({how}); not checked"))
    elif _expired(registry, options):
        checks.append(Check("credentials", "fail", f"password expired at {registry.password_expires_at}; run `pulumi up` for a fresh one"))
    else:
        auth = httpx.BasicAuth(registry.username or "", registry.password)
        try:
            answer = client.get(url, auth=auth)
        except httpx.HTTPError as error:
            checks.append(Check("credentials", "fail", f"GET /v2/ with credentials: {_connect_problem(error, options.timeout)}"))
            auth = None
        else:
            if answer.status_code == 200:
                checks.append(Check("credentials", "ok", f"user {registry.username} accepted", 200))
            else:
                checks.append(Check("credentials", "fail", f"user {registry.username} rejected (HTTP {answer.status_code})", answer.status_code))
                auth = None

    if needs_login and auth is None:
        checks.append(Check("catalog", "skip", "needs working credentials"))
    else:
        checks.append(_catalog(registry, client, auth, options))
    return checks


def _catalog(registry: StackRegistry, client: httpx.Client, auth: Optional[httpx.BasicAuth], options: CheckOptions) -> Check:
    url: Optional[str] = f"{registry.endpoint}/v2/_catalog?n={CATALOG_PAGE}"
    count, pages = 0, 0
    while url and pages < CATALOG_MAX_PAGES:
        try:
            answer = client.get(url, auth=auth) if auth else client.get(url)
        except httpx.HTTPError as error:
            return Check("catalog", "fail", f"GET /v2/_catalog: {_connect_problem(error, options.timeout)}")
        if answer.status_code in LISTING_REFUSED:
            return Check("catalog", "skip", f"listing not allowed here (HTTP {answer.status_code})")
        if answer.status_code != 200:
            return Check("catalog", "fail", f"GET /v2/_catalog answered HTTP {answer.status_code}", answer.status_code)
        try:
            count += len(answer.json().get("repositories") or [])
        except (ValueError, AttributeError):
            return Check("catalog", "fail", "GET /v2/_catalog did not answer a JSON catalog")
        pages += 1
        following = answer.links.get("next", {}).get("url")
        url = urljoin(registry.endpoint + "/", following) if following else None
    more = "+" if url else ""
    return Check("catalog", "ok", f"{count}{more} repositor{'y' if count == 1 and not more else 'ies'}", count)


def _debug_checks(registry: StackRegistry, client: httpx.Client, options: CheckOptions) -> list[Check]:
    base = registry.debug_endpoint.rstrip("/")
    checks = []
    try:
        health = client.get(f"{base}/debug/health")
    except httpx.HTTPError as error:
        problem = _connect_problem(error, options.timeout)
        return [Check("health", "fail", f"debug server: {problem}"), Check("metrics", "skip", "debug server did not answer")]
    if health.status_code == 200:
        checks.append(Check("health", "ok", "/debug/health: healthy", 200))
    else:
        failing = ", ".join(sorted(health.json())) if _is_json_object(health) else f"HTTP {health.status_code}"
        checks.append(Check("health", "fail", f"/debug/health: unhealthy ({failing})", health.status_code))
    try:
        metrics = client.get(f"{base}/metrics")
    except httpx.HTTPError as error:
        checks.append(Check("metrics", "fail", f"/metrics: {_connect_problem(error, options.timeout)}"))
        return checks
    if metrics.status_code == 404:
        checks.append(Check("metrics", "skip", "Prometheus metrics off (selfHosted.debug.prometheus)"))
    elif metrics.status_code == 200:
        samples = [line for line in metrics.text.splitlines() if line.startswith("registry_")]
        checks.append(Check("metrics", "ok", f"{len(samples)} registry_* samples", len(samples)))
    else:
        checks.append(Check("metrics", "fail", f"/metrics answered HTTP {metrics.status_code}", metrics.status_code))
    return checks


def _is_json_object(response: httpx.Response) -> bool:
    try:
        return isinstance(response.json(), dict)
    except ValueError:
        return False


def check_registry(registry: StackRegistry, options: CheckOptions = CheckOptions()) -> RegistryReport:
    """Every check for one registry. Network and TLS failures become failed checks, never exceptions."""
    report = RegistryReport(registry)
    reachable, certificate = probe_tls(registry, options)
    _, _, tls = _host_port(registry.endpoint)
    report.checks.append(reachable)
    report.checks.append(certificate_check(certificate, options, tls))
    timeout = httpx.Timeout(options.timeout)
    if reachable.status == "ok":
        with httpx.Client(verify=ssl_context(registry), timeout=timeout, follow_redirects=False) as client:
            report.checks.extend(_api_checks(registry, client, options))
    else:
        report.checks.extend(Check(name, "skip", "not reachable") for name in ("api", "credentials", "catalog"))
    if registry.debug_endpoint:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            report.checks.extend(_debug_checks(registry, client, options))
    return report


def check_registries(registries: list[StackRegistry], options: CheckOptions = CheckOptions()) -> list[RegistryReport]:
    """Check every registry in parallel; the reports keep the registries' order."""
    if not registries:
        return []
    def guarded(registry: StackRegistry) -> RegistryReport:
        try:
            return check_registry(registry, options)
        except Exception as error:  # noqa: BLE001 one broken registry entry must not hide the others
            return RegistryReport(registry, [Check("reachable", "fail", f"check failed: {type(error).__name__}: {error}")])

    with ThreadPoolExecutor(max_workers=min(8, len(registries))) as pool:
        return list(pool.map(guarded, registries))
