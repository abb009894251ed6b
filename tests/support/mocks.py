"""Pulumi mocks whose TLS and random resources produce real values.

Keys and certificates are made with `cryptography`, passwords and bytes with `secrets`, so what the
component renders from them (htpasswd, config.yml, certificates) can be handed to a real registry.
A `StackState` kept between two runs plays the part of the Pulumi state: a resource that existed in
the first run returns the same outputs in the second.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import secrets
import string
import zlib
from dataclasses import dataclass, field
from typing import Any

import pulumi
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pulumi.runtime.rpc import _special_secret_sig, _special_sig_key

SECRET_MARK = "<secret>"


def unwrap(value: Any, path: str = "", secret_paths: set[str] | None = None) -> Any:
    """Remove the RPC secret wrappers from mock inputs, noting the paths that were secret."""
    if isinstance(value, dict):
        if value.get(_special_sig_key) == _special_secret_sig:
            if secret_paths is not None:
                secret_paths.add(path)
            return unwrap(value.get("value"), path, secret_paths)
        return {k: unwrap(v, f"{path}.{k}" if path else k, secret_paths) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v, f"{path}[{i}]", secret_paths) for i, v in enumerate(value)]
    return value


def _pem_key(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _load_key(pem: str):
    return serialization.load_pem_private_key(pem.encode(), password=None)


def _name(subject: dict | None) -> x509.Name:
    subject = subject or {}
    attributes = []
    if subject.get("organization"):
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, subject["organization"]))
    if subject.get("commonName"):
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, subject["commonName"]))
    return x509.Name(attributes)


def _hash_for(key):
    return None if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)) else hashes.SHA256()


def _validity(hours: float) -> tuple[datetime.datetime, datetime.datetime]:
    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    return now, now + datetime.timedelta(hours=int(hours))


def make_private_key(inputs: dict) -> dict:
    if inputs.get("algorithm") == "RSA":
        key = rsa.generate_private_key(public_exponent=65537, key_size=int(inputs.get("rsaBits", 2048)))
    else:
        curve = {"P256": ec.SECP256R1(), "P384": ec.SECP384R1()}[inputs.get("ecdsaCurve", "P256")]
        key = ec.generate_private_key(curve)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return {**inputs, "privateKeyPem": _pem_key(key), "publicKeyPem": public}


def make_self_signed_cert(inputs: dict) -> dict:
    key = _load_key(inputs["privateKeyPem"])
    name = _name(inputs.get("subject"))
    start, end = _validity(inputs["validityPeriodHours"])
    is_ca = bool(inputs.get("isCaCertificate"))
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if is_ca:
        builder = builder.add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
    cert = builder.sign(key, _hash_for(key))
    return {**inputs, "certPem": cert.public_bytes(serialization.Encoding.PEM).decode()}


def make_cert_request(inputs: dict) -> dict:
    key = _load_key(inputs["privateKeyPem"])
    sans = [x509.DNSName(n) for n in inputs.get("dnsNames") or []]
    sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in inputs.get("ipAddresses") or []]
    builder = x509.CertificateSigningRequestBuilder().subject_name(_name(inputs.get("subject")))
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    csr = builder.sign(key, _hash_for(key))
    return {**inputs, "certRequestPem": csr.public_bytes(serialization.Encoding.PEM).decode()}


def make_locally_signed_cert(inputs: dict) -> dict:
    csr = x509.load_pem_x509_csr(inputs["certRequestPem"].encode())
    ca_key = _load_key(inputs["caPrivateKeyPem"])
    ca_cert = x509.load_pem_x509_certificate(inputs["caCertPem"].encode())
    start, end = _validity(inputs["validityPeriodHours"])
    builder = (
        x509.CertificateBuilder()
        .subject_name(csr.subject)
        .issuer_name(ca_cert.subject)
        .public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    )
    if "server_auth" in (inputs.get("allowedUses") or []):
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    for extension in csr.extensions:
        builder = builder.add_extension(extension.value, critical=extension.critical)
    cert = builder.sign(ca_key, _hash_for(ca_key))
    return {**inputs, "certPem": cert.public_bytes(serialization.Encoding.PEM).decode()}


def make_random_password(inputs: dict) -> dict:
    alphabet = ""
    if inputs.get("upper", True):
        alphabet += string.ascii_uppercase
    if inputs.get("lower", True):
        alphabet += string.ascii_lowercase
    if inputs.get("numeric", True):
        alphabet += string.digits
    if inputs.get("special", True):
        alphabet += inputs.get("overrideSpecial") or "!@#$%&*()-_=+[]{}<>:?"
    length = int(inputs["length"])
    while True:
        result = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            sum(c.isupper() for c in result) >= int(inputs.get("minUpper", 0))
            and sum(c.islower() for c in result) >= int(inputs.get("minLower", 0))
            and sum(c.isdigit() for c in result) >= int(inputs.get("minNumeric", 0))
        ):
            return {**inputs, "result": result}


def make_random_bytes(inputs: dict) -> dict:
    raw = secrets.token_bytes(int(inputs["length"]))
    return {**inputs, "base64": base64.b64encode(raw).decode(), "hex": raw.hex()}


FACTORIES = {
    "tls:index/privateKey:PrivateKey": make_private_key,
    "tls:index/selfSignedCert:SelfSignedCert": make_self_signed_cert,
    "tls:index/certRequest:CertRequest": make_cert_request,
    "tls:index/locallySignedCert:LocallySignedCert": make_locally_signed_cert,
    "random:index/randomPassword:RandomPassword": make_random_password,
    "random:index/randomBytes:RandomBytes": make_random_bytes,
}

ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"


def _ecr_repository(inputs: dict) -> dict:
    region = inputs.get("region") or DEFAULT_REGION
    name = inputs["name"]
    return {
        **inputs,
        "arn": f"arn:aws:ecr:{region}:{ACCOUNT_ID}:repository/{name}",
        "repositoryUrl": f"{ACCOUNT_ID}.dkr.ecr.{region}.amazonaws.com/{name}",
        "registryId": ACCOUNT_ID,
    }


def _kms_key(inputs: dict) -> dict:
    region = inputs.get("region") or DEFAULT_REGION
    key_id = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
    return {**inputs, "keyId": key_id, "arn": f"arn:aws:kms:{region}:{ACCOUNT_ID}:key/{key_id}"}


def _ecr_token(args: dict) -> dict:
    registry = args.get("registryId") or ACCOUNT_ID
    region = args.get("region") or DEFAULT_REGION
    password = secrets.token_urlsafe(48)
    # As the provider does: the token and password come back as secrets (which makes the SDK mark
    # the whole invoke result secret).
    return {
        "id": registry,
        "registryId": registry,
        "region": region,
        "userName": "AWS",
        "password": pulumi.Output.secret(password),
        "authorizationToken": pulumi.Output.secret(base64.b64encode(f"AWS:{password}".encode()).decode()),
        "proxyEndpoint": f"https://{registry}.dkr.ecr.{region}.amazonaws.com",
        "expiresAt": "2026-11-30T08:00:00Z",
    }


def _iam_role(inputs: dict) -> dict:
    name = inputs.get("name") or f"role-{secrets.token_hex(4)}"
    return {**inputs, "name": name, "arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{name}", "uniqueId": "AROAEXAMPLE"}


def _oidc_provider(inputs: dict) -> dict:
    host = inputs["url"].removeprefix("https://")
    return {**inputs, "arn": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{host}"}


GCP_PROJECT = "mock-project"
GCP_PROJECT_NUMBER = "123456789012"


def _gcp_repository(inputs: dict) -> dict:
    project = inputs.get("project") or GCP_PROJECT
    location, repository_id = inputs["location"], inputs["repositoryId"]
    return {
        **inputs,
        "project": project,
        "name": repository_id,
        "registryUri": f"{location}-docker.pkg.dev/{project}/{repository_id}",
        "effectiveLabels": inputs.get("labels", {}),
    }


def _gcp_service_account(inputs: dict) -> dict:
    project = inputs.get("project") or GCP_PROJECT
    email = f"{inputs['accountId']}@{project}.iam.gserviceaccount.com"
    return {
        **inputs,
        "project": project,
        "email": email,
        "member": f"serviceAccount:{email}",
        "name": f"projects/{project}/serviceAccounts/{email}",
        "uniqueId": "112233445566778899000",
    }


def _gcp_pool(inputs: dict) -> dict:
    pool = f"projects/{GCP_PROJECT_NUMBER}/locations/global/workloadIdentityPools/{inputs['workloadIdentityPoolId']}"
    return {**inputs, "project": inputs.get("project") or GCP_PROJECT, "name": pool, "state": "ACTIVE"}


def _gcp_pool_provider(inputs: dict) -> dict:
    name = (
        f"projects/{GCP_PROJECT_NUMBER}/locations/global/workloadIdentityPools/{inputs['workloadIdentityPoolId']}"
        f"/providers/{inputs['workloadIdentityPoolProviderId']}"
    )
    return {**inputs, "project": inputs.get("project") or GCP_PROJECT, "name": name, "state": "ACTIVE"}


def _gcp_access_token(args: dict) -> dict:
    # As the provider does: the token comes back secret.
    return {
        "id": args["targetServiceAccount"],
        "targetServiceAccount": args["targetServiceAccount"],
        "scopes": args.get("scopes"),
        "lifetime": args.get("lifetime"),
        "accessToken": pulumi.Output.secret("ya29." + secrets.token_urlsafe(48)),
    }


SUBSCRIPTION_ID = "00000000-1111-2222-3333-444444444444"
TENANT_ID = "99999999-8888-7777-6666-555555555555"
DEPLOYER_OBJECT_ID = "12121212-3434-5656-7878-909090909090"
ROLE_NAMES = {
    "7f951dda-4ed3-4680-a7ca-43fe172d538d": "AcrPull",
    "8311e382-0749-4cb8-b61a-304f252e45ec": "AcrPush",
    "c2f4ef07-c644-48eb-af81-4b1b4947fb11": "AcrDelete",
    "acdd72a7-3299-48f4-9a46-8e8a6f8a3f84": "Reader",
}
TOKEN_PASSWORD_PREFIX = "acr-token-password-"


def _arm_group(inputs: dict) -> str:
    return f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{inputs['resourceGroupName']}"


def _acr_registry(inputs: dict) -> dict:
    name = inputs["registryName"]
    data = [f"{name.lower()}.{inputs['location']}.data.azurecr.io"] if inputs.get("dataEndpointEnabled") else []
    return {
        **inputs,
        "id": f"{_arm_group(inputs)}/providers/Microsoft.ContainerRegistry/registries/{name}",
        "name": name,
        "loginServer": f"{name.lower()}.azurecr.io",
        "dataEndpointHostNames": data,
    }


def _acr_child(kind: str, name_key: str):
    def make(inputs: dict) -> dict:
        registry = f"{_arm_group(inputs)}/providers/Microsoft.ContainerRegistry/registries/{inputs['registryName']}"
        return {**inputs, "id": f"{registry}/{kind}/{inputs[name_key]}", "name": inputs[name_key]}

    return make


def _user_assigned_identity(inputs: dict) -> dict:
    name = inputs["resourceName"]
    return {
        **inputs,
        "id": f"{_arm_group(inputs)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}",
        "name": name,
        "principalId": "abababab-0000-0000-0000-000000000001",
        "clientId": "cdcdcdcd-0000-0000-0000-000000000002",
        "tenantId": TENANT_ID,
    }


def _role_assignment(inputs: dict) -> dict:
    name = inputs["roleAssignmentName"]
    return {**inputs, "id": f"{inputs['scope']}/providers/Microsoft.Authorization/roleAssignments/{name}", "name": name}


def _dynamic_resource(inputs: dict) -> dict:
    """A `pulumi.dynamic` resource: an ACR token password (see registry_platform.azure.token_password) gets a
    generated password, as `create` would return it."""
    if "tokenId" in inputs:
        return {**inputs, "password": TOKEN_PASSWORD_PREFIX + secrets.token_urlsafe(24)}
    return dict(inputs)


def _role_definition(args: dict) -> dict:
    guid = args["roleDefinitionId"]
    return {
        "id": f"{args['scope']}/providers/Microsoft.Authorization/roleDefinitions/{guid}",
        "name": guid,
        "roleName": ROLE_NAMES.get(guid, "Custom role"),
        "roleType": "BuiltInRole" if guid in ROLE_NAMES else "CustomRole",
        "type": "Microsoft.Authorization/roleDefinitions",
    }


CREDENTIAL_SET_PRINCIPAL_ID = "c5c5c5c5-0000-0000-0000-000000000005"


def _key_vault(inputs: dict) -> dict:
    name = inputs["vaultName"]
    return {
        **inputs,
        "id": f"{_arm_group(inputs)}/providers/Microsoft.KeyVault/vaults/{name}",
        "name": name,
        "properties": {**inputs.get("properties", {}), "vaultUri": f"https://{name}.vault.azure.net/"},
    }


def _key_vault_secret(inputs: dict) -> dict:
    vault, name = inputs["vaultName"], inputs["secretName"]
    uri = f"https://{vault}.vault.azure.net/secrets/{name}"
    return {
        **inputs,
        "id": f"{_arm_group(inputs)}/providers/Microsoft.KeyVault/vaults/{vault}/secrets/{name}",
        "name": name,
        "properties": {**inputs.get("properties", {}), "secretUri": uri, "secretUriWithVersion": f"{uri}/0123456789abcdef"},
    }


def _credential_set(inputs: dict) -> dict:
    made = _acr_child("credentialSets", "credentialSetName")(inputs)
    identity = {**inputs.get("identity", {}), "principalId": CREDENTIAL_SET_PRINCIPAL_ID, "tenantId": TENANT_ID}
    return {**made, "identity": identity}


def _aws_secret(inputs: dict) -> dict:
    region = inputs.get("region") or DEFAULT_REGION
    return {**inputs, "arn": f"arn:aws:secretsmanager:{region}:{ACCOUNT_ID}:secret:{inputs['name']}-AbCdEf"}


def _gcp_secret(inputs: dict) -> dict:
    project = inputs.get("project") or GCP_PROJECT
    return {**inputs, "project": project, "name": f"projects/{GCP_PROJECT_NUMBER}/secrets/{inputs['secretId']}",
            "id": f"projects/{project}/secrets/{inputs['secretId']}"}


def _gcp_secret_version(inputs: dict) -> dict:
    secret = inputs["secret"].split("/")[-1]
    return {**inputs, "name": f"projects/{GCP_PROJECT_NUMBER}/secrets/{secret}/versions/1", "version": "1"}


# Invokes the program makes, answered as AWS would for account ACCOUNT_ID, Azure for SUBSCRIPTION_ID and Google for GCP_PROJECT.
HARBOR_ROBOT_PREFIX = "robot$"


def _harbor_robot(inputs: dict) -> dict:
    """As Harbor names robots: `robot$NAME` (system level) or `robot$PROJECT+NAME` (project level)."""
    name = inputs["name"]
    if inputs.get("level") == "project":
        name = f"{inputs['permissions'][0]['namespace']}+{name}"
    return {**inputs, "fullName": f"{HARBOR_ROBOT_PREFIX}{name}", "robotId": str(zlib.crc32(name.encode()) % 10_000)}


def _harbor_registry(inputs: dict) -> dict:
    return {**inputs, "registryId": zlib.crc32(inputs["name"].encode()) % 10_000, "status": "healthy"}


def _harbor_project(inputs: dict) -> dict:
    return {**inputs, "projectId": zlib.crc32(inputs["name"].encode()) % 10_000}


# Invokes the program makes, answered as AWS would for account ACCOUNT_ID.
DEFAULT_CALLS = {
    "aws:index/getCallerIdentity:getCallerIdentity": lambda args: {
        "accountId": ACCOUNT_ID,
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/ci",
        "userId": "AIDAEXAMPLE",
        "id": ACCOUNT_ID,
    },
    "aws:index/getRegion:getRegion": lambda args: {
        "region": args.get("region") or DEFAULT_REGION,
        "name": args.get("region") or DEFAULT_REGION,
        "id": args.get("region") or DEFAULT_REGION,
        "endpoint": "ec2.amazonaws.com",
        "description": "mock region",
    },
    "aws:index/getPartition:getPartition": lambda args: {
        "partition": "aws",
        "dnsSuffix": "amazonaws.com",
        "reverseDnsPrefix": "com.amazonaws",
        "id": "aws",
    },
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": _ecr_token,
    "gcp:organizations/getProject:getProject": lambda args: {
        "id": f"projects/{args.get('projectId') or GCP_PROJECT}",
        "projectId": args.get("projectId") or GCP_PROJECT,
        "number": GCP_PROJECT_NUMBER,
        "name": "Mock project",
    },
    "gcp:serviceaccount/getAccountAccessToken:getAccountAccessToken": _gcp_access_token,
    "azure-native:authorization:getClientConfig": lambda args: {
        "clientId": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "objectId": DEPLOYER_OBJECT_ID,
        "subscriptionId": SUBSCRIPTION_ID,
        "tenantId": TENANT_ID,
    },
    "azure-native:authorization:getRoleDefinition": _role_definition,
    "azure-native:managedidentity:getUserAssignedIdentity": lambda args: {
        "id": f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{args['resourceGroupName']}/providers/"
              f"Microsoft.ManagedIdentity/userAssignedIdentities/{args['resourceName']}",
        "name": args["resourceName"],
        "location": "westeurope",
        "principalId": "efefefef-0000-0000-0000-000000000003",
        "clientId": "a1a1a1a1-0000-0000-0000-000000000004",
        "tenantId": TENANT_ID,
        "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
    },
}

# Resources whose real provider computes outputs that the program reads.
COMPUTED = {
    "aws:ecr/repository:Repository": _ecr_repository,
    "aws:kms/key:Key": _kms_key,
    "aws:iam/role:Role": _iam_role,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _oidc_provider,
    "gcp:artifactregistry/repository:Repository": _gcp_repository,
    "gcp:serviceaccount/account:Account": _gcp_service_account,
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": _gcp_pool,
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": _gcp_pool_provider,
    "azure-native:resources:ResourceGroup": lambda inputs: {
        **inputs, "name": inputs["resourceGroupName"], "id": _arm_group(inputs),
    },
    "azure-native:containerregistry:Registry": _acr_registry,
    "azure-native:containerregistry:ScopeMap": _acr_child("scopeMaps", "scopeMapName"),
    "azure-native:containerregistry:Token": _acr_child("tokens", "tokenName"),
    "azure-native:containerregistry:Replication": _acr_child("replications", "replicationName"),
    "azure-native:containerregistry:Webhook": _acr_child("webhooks", "webhookName"),
    "azure-native:managedidentity:UserAssignedIdentity": _user_assigned_identity,
    "azure-native:authorization:RoleAssignment": _role_assignment,
    "pulumi-python:dynamic:Resource": _dynamic_resource,
    "harbor:index/robotAccount:RobotAccount": _harbor_robot,
    "harbor:index/registry:Registry": _harbor_registry,
    "harbor:index/project:Project": _harbor_project,
    "azure-native:keyvault:Vault": _key_vault,
    "azure-native:keyvault:Secret": _key_vault_secret,
    "azure-native:containerregistry:CredentialSet": _credential_set,
    "azure-native:containerregistry:CacheRule": _acr_child("cacheRules", "cacheRuleName"),
    "aws:secretsmanager/secret:Secret": _aws_secret,
    "gcp:secretmanager/secret:Secret": _gcp_secret,
    "gcp:secretmanager/secretVersion:SecretVersion": _gcp_secret_version,
    "docker:index/remoteImage:RemoteImage": lambda inputs: {
        **inputs,
        "imageId": "sha256:" + "ab" * 32,
        "repoDigest": f"{inputs['name'].split(':')[0]}@sha256:" + "cd" * 32,
    },
}


@dataclass
class Registration:
    """One registered resource as the engine saw it."""

    type: str
    name: str
    inputs: dict
    secret_inputs: set[str]
    custom: bool
    outputs: dict = field(default_factory=dict)
    parent: str | None = None
    urn: str | None = None
    request: Any = None
    """The RegisterResource request (resource options such as retainOnDelete, protect, dependencies)."""


class StackState:
    """Outputs by (type, name), surviving between runs like Pulumi's state file."""

    def __init__(self) -> None:
        self.outputs: dict[tuple[str, str], dict] = {}


class RealisticMocks(pulumi.runtime.Mocks):
    """Mocks that make real keys, certificates, passwords and bytes, and record every registration."""

    def __init__(self, state: StackState | None = None, calls: dict[str, Any] | None = None):
        self.state = state or StackState()
        self.registrations: list[Registration] = []
        self.calls = {**DEFAULT_CALLS, **(calls or {})}
        self.call_log: list[tuple[str, dict]] = []
        self.call_providers: list[tuple[str, str]] = []
        """(invoke token, provider reference) for invokes made through an explicit provider."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        secret_paths: set[str] = set()
        inputs = unwrap(args.inputs, secret_paths=secret_paths)
        key = (args.typ, args.name)
        if key in self.state.outputs:
            outputs = {**inputs, **self.state.outputs[key]}
        elif args.typ in FACTORIES:
            outputs = FACTORIES[args.typ](inputs)
        elif args.typ in COMPUTED:
            outputs = COMPUTED[args.typ](inputs)
        else:
            outputs = dict(inputs)
        computed_keys = set(outputs) - set(inputs)
        self.state.outputs[key] = {k: outputs[k] for k in computed_keys}
        self.registrations.append(
            Registration(args.typ, args.name, inputs, secret_paths, bool(args.custom), outputs)
        )
        # A provider that computes an `id` (Azure resource IDs) gives the resource that ID.
        return outputs.get("id") or f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs):
        inputs = unwrap(args.args)
        self.call_log.append((args.token, inputs))
        if args.provider:
            self.call_providers.append((args.token, args.provider))
        handler = self.calls.get(args.token)
        if handler is None:
            raise NotImplementedError(f"no mock for invoke {args.token}")
        return handler(inputs) if callable(handler) else handler
