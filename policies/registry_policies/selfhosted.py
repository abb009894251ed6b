"""Self-hosted registry:2 rules, on `docker:index/container:Container` and `docker:index/remoteImage:RemoteImage`.

A container is a registry container when it serves a Distribution config: an uploaded
`/etc/docker/registry/config.yml` (what registry_platform's SelfHostedRegistry uploads), a `serve <config>`
command, `REGISTRY_*` environment variables, or a `registry`/`distribution` image. Its settings are
read from the uploaded `config.yml` and the `REGISTRY_*` variables that override it.

Preview limit: registry_platform renders `config.yml` with a generated `http.secret`, so on the very
first preview of a stack the upload is unknown; the CLI then reports "can't run policy during preview"
(advisory) and the rule is enforced when `pulumi up` registers the container with known inputs.
"""

from __future__ import annotations

import re
from typing import Any, Optional

import yaml
from pulumi_policy import PolicyConfigSchema

from .common import MANDATORY, ADVISORY, IMAGE_REFERENCE, b64decode, dig, image_pin_problem, items, lower, resource_policy

CONTAINER = "docker:index/container:Container"
REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage"
DEFAULT_CONFIG_PATH = "/etc/docker/registry/config.yml"
REGISTRY_IMAGE_NAMES = {"registry", "distribution"}
ALL_INTERFACES = {"", "0.0.0.0", "::", "[::]"}
RESTARTING_POLICIES = {"always", "unless-stopped", "on-failure"}
SECRET_NAME_PATTERN = r"(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_?KEY|ACCESS_?KEY|ACCOUNT_?KEY|CREDENTIAL|API_?KEY)"


def _envs(props) -> dict[str, str]:
    result: dict[str, str] = {}
    for entry in items(props.get("envs")):
        name, _, value = str(entry).partition("=")
        result[name] = value
    return result


def _config_path(props, envs: dict[str, str]) -> str:
    if envs.get("REGISTRY_CONFIGURATION_PATH"):
        return envs["REGISTRY_CONFIGURATION_PATH"]
    command = [str(c) for c in items(props.get("command"))]
    if "serve" in command and command.index("serve") + 1 < len(command):
        return command[command.index("serve") + 1]
    return DEFAULT_CONFIG_PATH


def _upload_text(upload) -> Optional[str]:
    content = upload.get("content")
    if content is not None:
        return str(content)
    encoded = upload.get("contentBase64")
    if encoded:
        raw = b64decode(str(encoded))
        return raw.decode("utf-8", "replace") if raw is not None else None
    return None


def _image_is_registry(image: Any) -> bool:
    match = IMAGE_REFERENCE.match(str(image or ""))
    return bool(match) and match.group("path").split("/")[-1] in REGISTRY_IMAGE_NAMES


class RegistryContainer:
    """What the rules need to know about one registry:2 container."""

    def __init__(self, props):
        self.props = props
        self.envs = _envs(props)
        self.config_path = _config_path(props, self.envs)
        uploads = [u for u in items(props.get("uploads")) if isinstance(u, dict) or hasattr(u, "get")]
        self.config_upload = next((u for u in uploads if u.get("file") == self.config_path), None)
        self.config: dict = {}
        self.config_visible = False
        if self.config_upload is not None:
            text = _upload_text(self.config_upload)
            try:
                parsed = yaml.safe_load(text) if text else None
            except yaml.YAMLError:
                parsed = None
            if isinstance(parsed, dict):
                self.config, self.config_visible = parsed, True

    @staticmethod
    def recognise(props) -> bool:
        envs = _envs(props)
        command = [str(c) for c in items(props.get("command"))]
        uploads = [str(u.get("file")) for u in items(props.get("uploads")) if hasattr(u, "get")]
        return (
            DEFAULT_CONFIG_PATH in uploads
            or ("serve" in command and any(c.endswith((".yml", ".yaml")) for c in command))
            or any(name.startswith("REGISTRY_") for name in envs)
            or _image_is_registry(props.get("image"))
        )

    @property
    def tls(self) -> bool:
        if self.envs.get("REGISTRY_HTTP_TLS_CERTIFICATE") and self.envs.get("REGISTRY_HTTP_TLS_KEY"):
            return True
        if self.envs.get("REGISTRY_HTTP_TLS_LETSENCRYPT_CACHEFILE"):
            return True
        tls = dig(self.config, "http.tls") or {}
        return bool(tls.get("certificate") and tls.get("key")) or bool(tls.get("letsencrypt"))

    @property
    def auth(self) -> Optional[str]:
        """The auth scheme in force (`htpasswd`, `token`), or None when anyone can push."""
        for scheme in ("htpasswd", "token"):
            if any(n.startswith(f"REGISTRY_AUTH_{scheme.upper()}_") for n in self.envs):
                return scheme
        env_scheme = lower(self.envs.get("REGISTRY_AUTH"))
        if env_scheme in ("htpasswd", "token"):
            return env_scheme
        auth = self.config.get("auth") if isinstance(self.config.get("auth"), dict) else {}
        for scheme in ("htpasswd", "token"):
            if auth.get(scheme):
                return scheme
        return None

    @property
    def http_port(self) -> int:
        addr = self.envs.get("REGISTRY_HTTP_ADDR") or dig(self.config, "http.addr") or ":5000"
        try:
            return int(str(addr).rsplit(":", 1)[-1])
        except ValueError:
            return 5000

    def config_hint(self) -> str:
        if self.config_visible:
            return ""
        return (
            f" The registry reads {self.config_path}, which is not uploaded with the container (mounted or the "
            "image default, which has neither TLS nor auth): upload config.yml so it can be checked."
        )


def _registry(args) -> Optional[RegistryContainer]:
    return RegistryContainer(args.props) if RegistryContainer.recognise(args.props) else None


def _tls(args, report) -> None:
    registry = _registry(args)
    if registry is not None and not registry.tls:
        report(
            f"registry container '{args.name}' serves plain HTTP: passwords and images cross the network in clear, "
            "and docker refuses it unless every client lists it as an insecure registry. Configure http.tls "
            "(registry_platform: `tls.mode: generated` or `provided`)." + registry.config_hint()
        )


def _auth(args, report) -> None:
    registry = _registry(args)
    if registry is not None and registry.auth is None:
        proxy = registry.config.get("proxy") if isinstance(registry.config.get("proxy"), dict) else {}
        if proxy.get("remoteurl"):
            # A pull-through mirror is read-only (pushes get 405): without auth it serves what its upstream
            # serves anonymously. With upstream credentials it would serve what they can read, to anyone.
            if proxy.get("username"):
                report(
                    f"registry container '{args.name}' is a pull-through mirror with upstream credentials and no "
                    "auth: anyone who reaches the port can pull whatever those credentials can read. Configure "
                    "auth.htpasswd (registry_platform: `pullThroughCaches[].selfHosted.users`)."
                )
            return
        report(
            f"registry container '{args.name}' has no auth: anyone who reaches the port can push and delete "
            "images. Configure auth.htpasswd or auth.token (registry_platform: `auth: htpasswd` with `users`)."
            + registry.config_hint()
        )


def _restart(args, report) -> None:
    if _registry(args) is None:
        return
    restart = lower(args.props.get("restart") or "no")
    if restart not in RESTARTING_POLICIES:
        report(
            f"registry container '{args.name}' has restart policy '{restart}': it stays down after a crash or a "
            "reboot of the Docker host. Set `restart: unless-stopped` (registry_platform's default)."
        )


def _pinned(args, report) -> None:
    if args.resource_type == REMOTE_IMAGE:
        reference = args.props.get("name")
    elif _registry(args) is not None:
        reference = args.props.get("image")
    else:
        return
    problem = image_pin_problem(str(reference or ""))
    if problem:
        report(
            f"{problem}: the image can change under the same name, so two `pulumi up` runs may run different "
            "code. Pin a full version tag (registry:2.8.3) or a digest (@sha256:...)."
        )


def _secret_env(args, report) -> None:
    if _registry(args) is None:
        return
    pattern = re.compile((args.get_config() or {}).get("secretNamePattern") or SECRET_NAME_PATTERN, re.IGNORECASE)
    for name, value in _envs(args.props).items():
        if name.endswith(("_FILE", "_PATH")) or value.startswith("/") or not value:
            continue
        if pattern.search(name):
            report(
                f"registry container '{args.name}' receives {name} as a plain environment variable: it shows in "
                "`docker inspect`, the process table of the host and the Pulumi state's container inputs. Put it "
                "in the uploaded config.yml (mode 0400) or a mounted file instead."
            )


def _port_binding(args, report) -> None:
    registry = _registry(args)
    if registry is None:
        return
    for port in items(args.props.get("ports")):
        ip = str(port.get("ip") if port.get("ip") is not None else "0.0.0.0")
        if ip not in ALL_INTERFACES:
            continue
        internal = int(float(port.get("internal") or 0))
        external = port.get("external")
        if internal == registry.http_port and registry.tls:
            continue
        what = "the registry port" if internal == registry.http_port else "the debug port (plain HTTP)"
        report(
            f"registry container '{args.name}' publishes {what} {internal} (host port "
            f"{int(float(external)) if external is not None else internal}) on all interfaces without TLS: "
            "anyone on the network can read the traffic. Bind it to 127.0.0.1 (registry_platform: "
            "`bindAddress`, `debug.bindAddress`) or turn TLS on."
        )


POLICIES = [
    resource_policy(
        "selfhosted-registry-tls",
        "A self-hosted registry:2 serves HTTPS (http.tls in config.yml). Fix: configure a certificate and key.",
        [CONTAINER],
        _tls,
        level=MANDATORY,
    ),
    resource_policy(
        "selfhosted-registry-auth",
        "A self-hosted registry:2 requires authentication (htpasswd or token); a read-only pull-through mirror "
        "(proxy mode) may serve anonymously unless it holds upstream credentials. Fix: configure auth in config.yml.",
        [CONTAINER],
        _auth,
        level=MANDATORY,
    ),
    resource_policy(
        "selfhosted-registry-restart-policy",
        "A self-hosted registry:2 container restarts after crashes and host reboots. "
        "Fix: restart unless-stopped (or always / on-failure).",
        [CONTAINER],
        _restart,
        level=ADVISORY,
        prod_level=MANDATORY,
    ),
    resource_policy(
        "docker-image-pinned",
        "Docker images are pinned by a version tag or a digest (no `latest`, no bare name, no floating major tag), "
        "judged on every docker RemoteImage name and on the image of registry containers. Fix: registry:2.8.3 or "
        "name@sha256:<digest>.",
        [REMOTE_IMAGE, CONTAINER],
        _pinned,
        level=MANDATORY,
    ),
    resource_policy(
        "selfhosted-registry-no-secret-env",
        "A self-hosted registry:2 container gets no secret (http.secret, storage keys, passwords) as a plain "
        "environment variable. Fix: put it in the uploaded config.yml or a mounted file.",
        [CONTAINER],
        _secret_env,
        level=MANDATORY,
        config_schema=PolicyConfigSchema(
            {
                "secretNamePattern": {
                    "type": "string",
                    "default": SECRET_NAME_PATTERN,
                    "description": "Case-insensitive regular expression for environment variable names that hold "
                    "secrets (values that are absolute paths and names ending in _FILE or _PATH are allowed).",
                }
            }
        ),
    ),
    resource_policy(
        "selfhosted-registry-port-binding",
        "A self-hosted registry:2 publishes a plain-HTTP port (registry without TLS, debug server) only on a "
        "specific address, never on all interfaces. Fix: bind to 127.0.0.1 or turn TLS on.",
        [CONTAINER],
        _port_binding,
        level=MANDATORY,
    ),
]
