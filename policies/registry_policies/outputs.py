"""Stack outputs and credentials: no cloud token of whoever runs `pulumi up` in an output.

What a policy can see: an invoke such as `aws:ecr/getAuthorizationToken` is not shown to policies at
all. What IS shown (`AnalyzeStack`) is every resource with its outputs, including the root
`pulumi:pulumi:Stack` resource, whose outputs are the stack outputs, and the explicit provider
resources (`pulumi:providers:aws` with its `assumeRoles`). So the rule looks at the outputs for
values that are cloud tokens, and decides where an ECR token came from by the providers:

- an ECR login token (a docker `auth` for `<account>.dkr.ecr.<region>.amazonaws.com`, a base64
  `AWS:<token>`, or a password beside an ECR login server in `registries`/`registryCredentials`)
  is accepted only when the stack has an aws provider assuming a role that the stack itself declares
  (an `aws:iam/role:Role`) and, when the outputs list CI identities, one of those;
  otherwise it was fetched with the deployer's credentials;
- a Google OAuth access token (`ya29.`, from `gcp:organizations/getClientConfig`) or an Azure AD
  access token (a JWT issued by login.microsoftonline.com / sts.windows.net, from `getClientToken`)
  in any output is always the deployer's.

Limits: provenance is inferred. A stack that has such an assuming provider and ALSO exports a token
fetched through its default provider passes; a token renamed, split or re-encoded (not base64 / not a
docker config) is not recognised; outputs of other resource types are not searched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Iterator

from .common import MANDATORY, b64decode, items, parse_json, stack_policy, walk_strings

STACK = "pulumi:pulumi:Stack"
AWS_PROVIDER = "pulumi:providers:aws"
IAM_ROLE = "aws:iam/role:Role"
GCP_SERVICE_ACCOUNT = "gcp:serviceaccount/account:Account"
GCP_SA_IAM_BINDING = "gcp:serviceaccount/iAMBinding:IAMBinding"
GCP_SA_IAM_MEMBER = "gcp:serviceaccount/iAMMember:IAMMember"
TOKEN_CREATOR = "roles/iam.serviceAccountTokenCreator"
ECR_SERVER = re.compile(r"^(https://)?\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/?$")
GOOGLE_ACCESS_TOKEN = re.compile(r"\bya29\.[0-9A-Za-z_\-]{20,}")
AZURE_ISSUERS = ("sts.windows.net/", "login.microsoftonline.com/")


def stack_outputs(args) -> Mapping:
    for resource in args.resources:
        if resource.resource_type == STACK:
            return resource.props
    return {}


def _jwt_issuer(text: str) -> str:
    parts = text.split(".")
    if len(parts) != 3 or not text.startswith("eyJ"):
        return ""
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    raw = b64decode(payload.replace("-", "+").replace("_", "/"))
    try:
        claims = json.loads(raw) if raw else {}
    except ValueError:
        return ""
    return str(claims.get("iss", "")) if isinstance(claims, dict) else ""


def ecr_credentials(outputs: Mapping) -> Iterator[str]:
    """Where the outputs carry an ECR login token (one path per finding)."""
    for path, text in walk_strings(outputs):
        document = parse_json(text) if text.lstrip().startswith("{") else None
        if isinstance(document, dict) and isinstance(document.get("auths"), dict):
            for server, entry in document["auths"].items():
                if ECR_SERVER.match(server) and isinstance(entry, dict) and entry.get("auth"):
                    yield f"{path} (docker auth for {server})"
            continue
        raw = b64decode(text) if len(text) > 40 else None
        if raw is not None and raw.startswith(b"AWS:"):
            yield f"{path} (base64 AWS:<token>)"
    registries = outputs.get("registries") if isinstance(outputs.get("registries"), Mapping) else {}
    credentials = outputs.get("registryCredentials") if isinstance(outputs.get("registryCredentials"), Mapping) else {}
    for key, registry in registries.items():
        server = registry.get("loginServer") if isinstance(registry, Mapping) else None
        secret = credentials.get(key) if isinstance(credentials.get(key), Mapping) else {}
        if server and ECR_SERVER.match(str(server)) and secret.get("password"):
            yield f"registryCredentials.{key}.password (password for {server})"


def ci_identity_ids(outputs: Mapping, type_: str | None = None) -> set[str]:
    registries = outputs.get("registries") if isinstance(outputs.get("registries"), Mapping) else {}
    ids: set[str] = set()
    for registry in registries.values():
        if not isinstance(registry, Mapping):
            continue
        for identity in items(registry.get("identities")):
            if isinstance(identity, Mapping) and identity.get("id") and (type_ is None or identity.get("type") == type_):
                ids.add(str(identity["id"]))
    return ids


def assumed_role_arns(args) -> set[str]:
    arns: set[str] = set()
    for resource in args.resources:
        if resource.resource_type != AWS_PROVIDER:
            continue
        for key in ("assumeRoles", "assumeRole"):
            for entry in items(resource.props.get(key)):
                entry = parse_json(entry) if isinstance(entry, str) else entry
                if isinstance(entry, Mapping) and entry.get("roleArn"):
                    arns.add(str(entry["roleArn"]))
    return arns


def stack_role_arns(args) -> set[str]:
    return {str(r.props.get("arn")) for r in args.resources if r.resource_type == IAM_ROLE and r.props.get("arn")}


def impersonable_service_accounts(args) -> set[str]:
    """E-mails of service accounts the stack declares AND lets someone mint tokens for (token creator
    bound on the account itself): a token of such an account is scoped to it, not the deployer's."""
    emails = {
        str(r.props.get("email")): str(r.props.get("name"))
        for r in args.resources
        if r.resource_type == GCP_SERVICE_ACCOUNT and r.props.get("email")
    }
    bound = {
        str(r.props.get("serviceAccountId"))
        for r in args.resources
        if r.resource_type in (GCP_SA_IAM_BINDING, GCP_SA_IAM_MEMBER) and r.props.get("role") == TOKEN_CREATOR
    }
    return {email for email, name in emails.items() if name in bound}


def scoped_google_registries(args, outputs: Mapping) -> dict[str, str]:
    """Artifact Registry entries (key -> login server) whose CI identity is a service account the stack
    declares and makes impersonable: there a ya29 token is that account's, minted for CI."""
    registries = outputs.get("registries") if isinstance(outputs.get("registries"), Mapping) else {}
    accounts = impersonable_service_accounts(args)
    scoped = {}
    for key, registry in registries.items():
        if not isinstance(registry, Mapping) or registry.get("kind") != "artifact-registry":
            continue
        identities = {
            str(i.get("id")) for i in items(registry.get("identities"))
            if isinstance(i, Mapping) and i.get("type") == "gcp-service-account"
        }
        if identities & accounts:
            scoped[key] = str(registry.get("loginServer"))
    return scoped


def google_tokens_in_docker_configs(outputs: Mapping) -> Iterator[tuple[str, str]]:
    """(path, server) of docker `config.json` entries whose base64 `auth` holds a ya29 token."""
    for path, text in walk_strings(outputs):
        document = parse_json(text) if text.lstrip().startswith("{") else None
        if not isinstance(document, dict) or not isinstance(document.get("auths"), dict):
            continue
        for server, entry in document["auths"].items():
            raw = b64decode(entry.get("auth", "")) if isinstance(entry, dict) and isinstance(entry.get("auth"), str) else None
            if raw and GOOGLE_ACCESS_TOKEN.search(raw.decode(errors="replace")):
                yield path, server


def _no_deployer_token(args, report) -> None:
    outputs = stack_outputs(args)
    scoped = scoped_google_registries(args, outputs)
    scoped_paths = {f"registryCredentials.{key}.password" for key in scoped}
    for path, server in google_tokens_in_docker_configs(outputs):
        if server not in scoped.values():
            report(
                f"stack output {path} logs in to {server} with a Google OAuth access token (ya29.): the credentials "
                "of whoever ran `pulumi up`. Export a service account created for CI instead."
            )
    for path, text in walk_strings(outputs):
        if GOOGLE_ACCESS_TOKEN.search(text) and path not in scoped_paths:
            report(
                f"stack output {path} holds a Google OAuth access token (ya29.): the credentials of whoever ran "
                "`pulumi up`. Export a service account created for CI (its e-mail, or a key as a secret) instead."
            )
        elif any(issuer in _jwt_issuer(text) for issuer in AZURE_ISSUERS):
            report(
                f"stack output {path} holds an Azure AD access token: the credentials of whoever ran `pulumi up`. "
                "Export an ACR scope-map token or a CI identity instead."
            )
    findings = list(ecr_credentials(outputs))
    if not findings:
        return
    ci_roles = ci_identity_ids(outputs, "aws-iam-role")
    scoped = assumed_role_arns(args) & stack_role_arns(args)
    if ci_roles:
        scoped &= ci_roles
    if scoped:
        return
    for finding in findings:
        report(
            f"stack output {finding} is an ECR login token, but no aws provider of the stack assumes a CI role "
            "the stack declares: the token belongs to whoever ran `pulumi up`. Fetch it through a provider that "
            "assumes a scoped CI role (registry_platform: a `ciRoles` entry with `exportLoginToken: true`), or "
            "export the role and let CI log in itself."
        )


def _scoped_ci_credentials(args, report) -> None:
    outputs = stack_outputs(args)
    registries = outputs.get("registries") if isinstance(outputs.get("registries"), Mapping) else {}
    credentials = outputs.get("registryCredentials") if isinstance(outputs.get("registryCredentials"), Mapping) else {}
    declared_roles = stack_role_arns(args)
    for key, registry in registries.items():
        if not isinstance(registry, Mapping):
            continue
        identities = [i for i in items(registry.get("identities")) if isinstance(i, Mapping)]
        secret = credentials.get(key) if isinstance(credentials.get(key), Mapping) else {}
        if secret.get("password") and not identities:
            report(
                f"stack output registryCredentials.{key}.password has no CI identity in registries.{key}.identities: "
                "nobody can tell whose credential it is or scope it. Export the identity the password belongs to."
            )
        for identity in identities:
            if identity.get("type") == "aws-iam-role" and str(identity.get("id")) not in declared_roles:
                report(
                    f"registries.{key}.identities names the role {identity.get('id')}, which this stack does not "
                    "declare: CI identities are the scoped roles the stack creates for it."
                )


POLICIES = [
    stack_policy(
        "no-deployer-token-in-outputs",
        "No stack output carries a cloud token of whoever runs `pulumi up` (ECR token from the default provider, "
        "Google ya29 access token, Azure AD access token). Fix: export scoped CI identities, or a token fetched by "
        "assuming the stack's CI role.",
        _no_deployer_token,
        level=MANDATORY,
    ),
    stack_policy(
        "ci-credentials-scoped",
        "Registry credentials in the outputs belong to CI identities the stack declares (listed in "
        "registries.<key>.identities). Fix: create a CI role/user/token in the stack and export that.",
        _scoped_ci_credentials,
        level=MANDATORY,
    ),
]
