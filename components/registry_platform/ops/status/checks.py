"""The checks `status` runs against one registry, each bounded by a timeout.

Every HTTP request is bounded in wall-clock time, not only per socket operation: a request gets
`timeout` seconds from its start to its last body byte, and all of one registry's requests share a
budget of `REGISTRY_BUDGET` timeouts (the catalog alone may page up to 20 times). A request cut off
by either bound is a failed check naming the bound. Bodies are read up to `MAX_BODY` bytes.

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
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, Optional
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
from cryptography import x509

from .outputs import StackRegistry

Status = Literal["ok", "fail", "skip"]

CATALOG_PAGE = 1000
CATALOG_MAX_PAGES = 20
"""At most 20 000 repositories are counted (then the count says `20000+`)."""
LISTING_REFUSED = {401, 403, 404, 405}
REGISTRY_BUDGET = 6
"""All of one registry's HTTP requests together get at most this many `timeout`s."""
MAX_BODY = 8 * 1024 * 1024
"""Bytes read of any answer (after decompression); a larger answer fails its check."""


@dataclass(frozen=True)
class CheckOptions:
    timeout: float = 5.0
    """Seconds for each connect and TLS handshake, and for each whole HTTP request (connect to last
    body byte); one registry's requests together get `REGISTRY_BUDGET` times as long."""
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


class ResponseTooLarge(httpx.HTTPError):
    """An answer longer than `MAX_BODY`."""


class Deadline:
    """Wall-clock bounds for one registry's requests: each request's, and the registry's overall."""

    def __init__(self, timeout: float, budget: float):
        self.timeout = timeout
        self.budget = budget
        self.registry_end = time.monotonic() + budget
        self.request_end = self.registry_end

    def start_request(self) -> None:
        self.request_end = min(time.monotonic() + self.timeout, self.registry_end)

    @property
    def registry_expired(self) -> bool:
        return time.monotonic() >= self.registry_end

    def bound(self, timeout: Optional[float], error: type[Exception]) -> float:
        """The socket timeout for one operation: never past the current request's end."""
        remaining = self.request_end - time.monotonic()
        if remaining <= 0:
            raise error("deadline reached")
        return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, deadline: Deadline):
        self._stream, self._deadline = stream, deadline

    def read(self, max_bytes: int, timeout: Optional[float] = None) -> bytes:
        return self._stream.read(max_bytes, self._deadline.bound(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: Optional[float] = None) -> None:
        self._stream.write(buffer, self._deadline.bound(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: Optional[str] = None,
                  timeout: Optional[float] = None) -> httpcore.NetworkStream:
        bound = self._deadline.bound(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, bound), self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """The default (sync) network backend with every socket operation cut off at the deadline."""

    def __init__(self, deadline: Deadline):
        self._backend, self._deadline = httpcore.SyncBackend(), deadline

    def connect_tcp(self, host: str, port: int, timeout: Optional[float] = None, local_address: Optional[str] = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        bound = self._deadline.bound(timeout, httpcore.ConnectTimeout)
        stream = self._backend.connect_tcp(host, port, bound, local_address, socket_options)
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(self, path: str, timeout: Optional[float] = None, socket_options: Any = None) -> httpcore.NetworkStream:
        bound = self._deadline.bound(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_unix_socket(path, bound, socket_options), self._deadline)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _client(deadline: Deadline, verify: ssl.SSLContext) -> httpx.Client:
    """A client whose connections honour `deadline`. No proxy or netrc from the environment: the
    `reachable` probe connects directly too, and no credentials but the stack's are sent."""
    transport = httpx.HTTPTransport(verify=verify, trust_env=False)
    transport._pool = httpcore.ConnectionPool(ssl_context=verify, network_backend=_DeadlineBackend(deadline))
    return httpx.Client(transport=transport, timeout=httpx.Timeout(deadline.timeout), follow_redirects=False, trust_env=False)


def _get(client: httpx.Client, url: str, deadline: Deadline, auth: Optional[httpx.Auth] = None) -> httpx.Response:
    """GET `url` within the request deadline, reading at most `MAX_BODY` bytes of the answer."""
    deadline.start_request()
    with client.stream("GET", url, auth=auth if auth is not None else httpx.USE_CLIENT_DEFAULT) as streamed:
        body = bytearray()
        for chunk in streamed.iter_bytes():
            body += chunk
            if len(body) > MAX_BODY:
                raise ResponseTooLarge(f"answer larger than {MAX_BODY // (1024 * 1024)} MiB")
    # The body is already decoded: keep the headers that still describe it.
    headers = [(name, value) for name, value in streamed.headers.multi_items()
               if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
    return httpx.Response(streamed.status_code, headers=headers, content=bytes(body), request=streamed.request)


def _request_problem(error: BaseException, deadline: Deadline) -> str:
    if isinstance(error, httpx.TimeoutException) and deadline.registry_expired:
        return (f"stopped: this registry's checks exceeded their {deadline.budget:g}s budget "
                f"({REGISTRY_BUDGET} x the {deadline.timeout:g}s timeout)")
    if isinstance(error, ResponseTooLarge):
        return str(error)
    return _connect_problem(error, deadline.timeout)


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


def _api_checks(registry: StackRegistry, client: httpx.Client, options: CheckOptions, deadline: Deadline) -> list[Check]:
    url = f"{registry.endpoint}/v2/"
    try:
        anonymous = _get(client, url, deadline)
    except httpx.HTTPError as error:
        problem = _request_problem(error, deadline)
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
            answer = _get(client, url, deadline, auth)
        except httpx.HTTPError as error:
            checks.append(Check("credentials", "fail", f"GET /v2/ with credentials: {_request_problem(error, deadline)}"))
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
        checks.append(_catalog(registry, client, auth, deadline))
    return checks


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or (443 if scheme == "https" else 80)


def _catalog(registry: StackRegistry, client: httpx.Client, auth: Optional[httpx.BasicAuth], deadline: Deadline) -> Check:
    url: Optional[str] = f"{registry.endpoint}/v2/_catalog?n={CATALOG_PAGE}"
    count, pages = 0, 0
    while url and pages < CATALOG_MAX_PAGES:
        try:
            answer = _get(client, url, deadline, auth)
        except httpx.HTTPError as error:
            counted = f" (after counting {count} in {pages} page{'' if pages == 1 else 's'})" if pages else ""
            return Check("catalog", "fail", f"GET /v2/_catalog: {_request_problem(error, deadline)}{counted}")
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
        url = urljoin(url, following) if following else None
        if url and _origin(url) != _origin(registry.endpoint):
            # The credentials go only to the registry itself, never to a host a `Link` names.
            scheme, host, port = _origin(url)
            return Check("catalog", "fail", f"next catalog page is on another origin ({scheme}://{host}:{port}); "
                         f"not followed (counted {count} so far)", count)
    more = "+" if url else ""
    return Check("catalog", "ok", f"{count}{more} repositor{'y' if count == 1 and not more else 'ies'}", count)


def _debug_checks(registry: StackRegistry, client: httpx.Client, deadline: Deadline) -> list[Check]:
    base = registry.debug_endpoint.rstrip("/")
    checks = []
    try:
        health = _get(client, f"{base}/debug/health", deadline)
    except httpx.HTTPError as error:
        problem = _request_problem(error, deadline)
        return [Check("health", "fail", f"debug server: {problem}"), Check("metrics", "skip", "debug server did not answer")]
    if health.status_code == 200:
        checks.append(Check("health", "ok", "/debug/health: healthy", 200))
    else:
        failing = ", ".join(sorted(health.json())) if _is_json_object(health) else f"HTTP {health.status_code}"
        checks.append(Check("health", "fail", f"/debug/health: unhealthy ({failing})", health.status_code))
    try:
        metrics = _get(client, f"{base}/metrics", deadline)
    except httpx.HTTPError as error:
        checks.append(Check("metrics", "fail", f"/metrics: {_request_problem(error, deadline)}"))
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
    deadline = Deadline(options.timeout, REGISTRY_BUDGET * options.timeout)
    if reachable.status == "ok":
        with _client(deadline, ssl_context(registry)) as client:
            report.checks.extend(_api_checks(registry, client, options, deadline))
    else:
        report.checks.extend(Check(name, "skip", "not reachable") for name in ("api", "credentials", "catalog"))
    if registry.debug_endpoint:
        with _client(deadline, ssl.create_default_context()) as client:
            report.checks.extend(_debug_checks(registry, client, deadline))
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
