"""AWS ECR rules, on the pulumi-aws resource types (our EcrRepository component or a raw repository)."""

from __future__ import annotations

from pulumi_policy import PolicyConfigSchema

from .common import ADVISORY, MANDATORY, dig, items, lower, parse_json, resource_policy, stack_policy

REPOSITORY = "aws:ecr/repository:Repository"
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"
LIFECYCLE_POLICY = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
REGISTRY_SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"

IMMUTABLE = {"IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"}
# Conditions that narrow a `*` principal to known callers (an organisation, an account, a source).
NARROWING_CONDITION_KEYS = {
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceorgid",
}


def _repository_label(args) -> str:
    return str(args.props.get("name") or args.name)


def _scan_on_push(args, report) -> None:
    if dig(args.props, "imageScanningConfiguration.scanOnPush") is True:
        return
    config = args.get_config() or {}
    if config.get("registryScanning") is True:
        return
    report(
        f"repository '{_repository_label(args)}' does not scan on push. Set "
        "`imageScanningConfiguration.scanOnPush: true` (registry_platform: `scanOnPush`, on by default), or, "
        "when the account's registry scanning configuration scans it, set this rule's `registryScanning: true`."
    )


def _immutable_tags(args, report) -> None:
    mutability = args.props.get("imageTagMutability") or "MUTABLE"
    if mutability not in IMMUTABLE:
        report(
            f"repository '{_repository_label(args)}' has imageTagMutability {mutability}: a pushed tag can be "
            "moved to other content. Use IMMUTABLE, or IMMUTABLE_WITH_EXCLUSION for a few moving tags "
            "(registry_platform: `tagMutability: IMMUTABLE` with `tagMutabilityExclusions`)."
        )


def _kms(args, report) -> None:
    kinds = [lower(dig(c, "encryptionType")).upper() for c in items(args.props.get("encryptionConfigurations"))]
    if "KMS" not in kinds:
        report(
            f"repository '{_repository_label(args)}' is encrypted with AES256 (ECR-managed keys). For key "
            "control and audit, set `encryptionConfigurations: [{encryptionType: KMS, kmsKey: <arn>}]` "
            "(registry_platform: `encryption: {type: KMS}` creates a key with rotation)."
        )


def _statements(document) -> list:
    parsed = parse_json(document)
    if not isinstance(parsed, dict):
        return []
    return items(parsed.get("Statement"))


def _principals(statement) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if isinstance(principal, dict):
        return [str(p) for value in principal.values() for p in items(value)]
    return []


def _narrowed(statement) -> bool:
    condition = statement.get("Condition") or {}
    if not isinstance(condition, dict):
        return False
    keys = {lower(key) for operator in condition.values() if isinstance(operator, dict) for key in operator}
    return bool(keys & NARROWING_CONDITION_KEYS)


def _no_public_principal(args, report) -> None:
    for statement in _statements(args.props.get("policy")):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        if "*" in _principals(statement) and not _narrowed(statement):
            sid = statement.get("Sid") or "(no Sid)"
            report(
                f"statement {sid} allows the principal `*` (anyone with an AWS account). Name the accounts or "
                "roles instead (registry_platform: `access.pull` / `access.push`), or narrow it with a condition "
                "on aws:PrincipalOrgID / aws:SourceArn / aws:SourceAccount."
            )


def _no_authorization_token(args, report) -> None:
    for statement in _statements(args.props.get("policy")):
        if not isinstance(statement, dict):
            continue
        actions = [lower(a) for a in items(statement.get("Action"))]
        if "ecr:getauthorizationtoken" in actions:
            sid = statement.get("Sid") or "(no Sid)"
            report(
                f"statement {sid} grants ecr:GetAuthorizationToken, which is account-wide: AWS rejects it in a "
                "repository policy. Grant it in the caller's IAM policy (registry_platform's CI roles do)."
            )


def _lifecycle(args, report) -> None:
    covered = {
        str(r.props.get("repository"))
        for r in args.resources
        if r.resource_type == LIFECYCLE_POLICY and r.props.get("repository")
    }
    for resource in args.resources:
        if resource.resource_type != REPOSITORY:
            continue
        name = str(resource.props.get("name") or resource.name)
        if name not in covered:
            report(
                f"repository '{name}' has no lifecycle policy: untagged and old images pile up (and cost). "
                "Declare an aws.ecr.LifecyclePolicy for it (registry_platform: `lifecycle: {untaggedExpireDays: 7}`).",
                resource.urn,
            )


POLICIES = [
    resource_policy(
        "ecr-scan-on-push",
        "ECR repositories scan every pushed image for vulnerabilities. Fix: set imageScanningConfiguration.scanOnPush "
        "(or rely on registry scanning and set this rule's `registryScanning`).",
        [REPOSITORY],
        _scan_on_push,
        level=MANDATORY,
        config_schema=PolicyConfigSchema(
            {
                "registryScanning": {
                    "type": "boolean",
                    "default": False,
                    "description": "The account's registry scanning configuration (maybe in another stack) scans "
                    "every repository: repositories need not scan on push themselves.",
                }
            }
        ),
    ),
    resource_policy(
        "ecr-immutable-tags",
        "ECR image tags are immutable, so a tag always names the image that was tested and deployed. "
        "Fix: imageTagMutability IMMUTABLE (or IMMUTABLE_WITH_EXCLUSION).",
        [REPOSITORY],
        _immutable_tags,
        level=MANDATORY,
    ),
    resource_policy(
        "ecr-kms-encryption",
        "ECR repositories are encrypted with a KMS key (key policy, rotation and CloudTrail audit of every use). "
        "Fix: encryptionConfigurations with encryptionType KMS.",
        [REPOSITORY],
        _kms,
        level=ADVISORY,
    ),
    resource_policy(
        "ecr-repository-policy-no-public-principal",
        "ECR repository and registry policies never grant the `*` principal without a narrowing condition: that "
        "opens the images to every AWS account. Fix: list the accounts or roles.",
        [REPOSITORY_POLICY, REGISTRY_POLICY],
        _no_public_principal,
        level=MANDATORY,
    ),
    resource_policy(
        "ecr-repository-policy-no-authorization-token",
        "ECR repository policies never grant ecr:GetAuthorizationToken: the action is account-wide and AWS rejects "
        "the policy at apply time. Fix: grant it in the caller's IAM policy instead.",
        [REPOSITORY_POLICY],
        _no_authorization_token,
        level=MANDATORY,
    ),
    stack_policy(
        "ecr-lifecycle-policy",
        "Every ECR repository has a lifecycle policy that expires untagged and old images. "
        "Fix: declare an aws.ecr.LifecyclePolicy for the repository.",
        _lifecycle,
        level=ADVISORY,
        prod_level=MANDATORY,
    ),
]
