"""Google Artifact Registry rules, on the pulumi-gcp `artifactregistry` repository and IAM resource types."""

from __future__ import annotations

from pulumi_policy import PolicyConfigSchema

from .common import ADVISORY, EXEMPTIONS_SCHEMA, MANDATORY, dig, exempted, items, lower, parse_json, resource_policy

REPOSITORY = "gcp:artifactregistry/repository:Repository"
IAM_MEMBER = "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember"
IAM_BINDING = "gcp:artifactregistry/repositoryIamBinding:RepositoryIamBinding"
IAM_POLICY = "gcp:artifactregistry/repositoryIamPolicy:RepositoryIamPolicy"
PUBLIC_MEMBERS = {"allusers", "allauthenticatedusers"}
EXEMPTIONS = PolicyConfigSchema({"exemptions": EXEMPTIONS_SCHEMA})


def _label(args) -> str:
    return str(args.props.get("repositoryId") or args.props.get("repository") or args.name)


def _standard_docker(props) -> bool:
    return lower(props.get("format")) == "docker" and lower(props.get("mode") or "STANDARD_REPOSITORY") == (
        "standard_repository"
    )


def _members(args) -> list[tuple[str, str]]:
    props = args.props
    if args.resource_type == IAM_MEMBER:
        return [(str(props.get("role")), str(props.get("member")))]
    if args.resource_type == IAM_BINDING:
        return [(str(props.get("role")), str(m)) for m in items(props.get("members"))]
    document = parse_json(props.get("policyData")) or {}
    return [
        (str(binding.get("role")), str(member))
        for binding in items(document.get("bindings") if isinstance(document, dict) else None)
        if isinstance(binding, dict)
        for member in items(binding.get("members"))
    ]


def _no_public_members(args, report) -> None:
    label = _label(args)
    # `repository` may be a full ID (projects/P/locations/L/repositories/NAME): its last segment is the name.
    if exempted((args.get_config() or {}).get("exemptions") or [], args.name, label, label.rsplit("/", 1)[-1], args.urn):
        return
    for role, member in _members(args):
        if lower(member) in PUBLIC_MEMBERS:
            report(
                f"repository '{label}' grants {role} to {member}: anyone (with a Google account) can use "
                "it. Grant the role to service accounts or groups instead, or list the repository in this "
                "rule's `exemptions` if it is deliberately public (`public: true`)."
            )


def _immutable_tags(args, report) -> None:
    if not _standard_docker(args.props):
        return
    if dig(args.props, "dockerConfig.immutableTags") is not True:
        report(
            f"docker repository '{_label(args)}' has mutable tags: a pushed tag can be moved to other content. "
            "Set `dockerConfig: {immutableTags: true}`."
        )


def _cleanup(args, report) -> None:
    if lower(args.props.get("mode") or "STANDARD_REPOSITORY") != "standard_repository":
        return
    if not items(args.props.get("cleanupPolicies")):
        report(
            f"repository '{_label(args)}' has no cleanup policies: old and untagged versions are kept forever. "
            "Add `cleanupPolicies` (e.g. delete untagged older than 7 days, keep the 50 most recent versions)."
        )
    elif args.props.get("cleanupPolicyDryRun") is True:
        report(
            f"repository '{_label(args)}' runs its cleanup policies as a dry run only: nothing is deleted. "
            "Set `cleanupPolicyDryRun: false` once the policies are checked."
        )


POLICIES = [
    resource_policy(
        "artifact-registry-no-public-members",
        "Artifact Registry repositories are never granted to allUsers or allAuthenticatedUsers. "
        "Fix: grant roles to service accounts or groups, or an exemption for a deliberately public repository.",
        [IAM_MEMBER, IAM_BINDING, IAM_POLICY],
        _no_public_members,
        level=MANDATORY,
        config_schema=EXEMPTIONS,
    ),
    resource_policy(
        "artifact-registry-immutable-tags",
        "Artifact Registry docker repositories have immutable tags. Fix: dockerConfig.immutableTags true.",
        [REPOSITORY],
        _immutable_tags,
        level=MANDATORY,
    ),
    resource_policy(
        "artifact-registry-cleanup-policies",
        "Artifact Registry repositories have cleanup policies (not only a dry run). Fix: cleanupPolicies with "
        "delete/keep rules and cleanupPolicyDryRun false.",
        [REPOSITORY],
        _cleanup,
        level=ADVISORY,
        prod_level=MANDATORY,
    ),
]
