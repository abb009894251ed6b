"""Harbor rules, on the pulumiverse-harbor provider's types (props as the provider takes them).

Harbor's provider verifies nothing by default (`insecure` defaults to true in its SDK), projects may be
public, and robot accounts never expire unless given a duration: each is a rule here.
"""

from __future__ import annotations

from pulumi_policy import PolicyConfigSchema

from .common import ADVISORY, EXEMPTIONS_SCHEMA, MANDATORY, exempted, resource_policy

PROVIDER = "pulumi:providers:harbor"
PROJECT = "harbor:index/project:Project"
ROBOT = "harbor:index/robotAccount:RobotAccount"
EXEMPTIONS = PolicyConfigSchema({"exemptions": EXEMPTIONS_SCHEMA})


def _true(value) -> bool:
    """Provider inputs reach policies as JSON text (`"true"`), resource inputs as booleans."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _exemptions(args) -> list:
    return (args.get_config() or {}).get("exemptions") or []


def _provider_verifies_tls(args, report) -> None:
    insecure = args.props.get("insecure")
    if insecure is None or _true(insecure):
        report(
            f"the Harbor provider '{args.name}' does not verify Harbor's TLS certificate (the SDK's default is "
            "insecure: true): anyone on the path can read the admin credentials. Set `insecure: false` and trust "
            "Harbor's CA on the machine running pulumi."
        )


def _project_private(args, report) -> None:
    name = args.props.get("name") or args.name
    if _true(args.props.get("public")) and not exempted(_exemptions(args), args.name, name, args.urn):
        report(
            f"Harbor project '{name}' is public: anyone who reaches Harbor may pull its images. Set `public: false`, "
            "or list the project in this rule's `exemptions` if that is deliberate."
        )


def _project_scans(args, report) -> None:
    if args.props.get("vulnerabilityScanning") is False or args.props.get("vulnerabilityScanning") == "false":
        report(f"Harbor project '{args.props.get('name') or args.name}' does not scan pushed images. Set `vulnerabilityScanning: true`.")


def _robot_expires(args, report) -> None:
    name = args.props.get("name") or args.name
    duration = args.props.get("duration")
    if (duration is None or int(duration) < 0) and not exempted(_exemptions(args), args.name, name, args.urn):
        report(
            f"Harbor robot account '{name}' never expires: a leaked secret stays valid for ever. Give it a "
            "`duration` in days, or list it in this rule's `exemptions` if that is deliberate."
        )


POLICIES = [
    resource_policy(
        "harbor-provider-verifies-tls",
        "The Harbor provider verifies Harbor's TLS certificate (its SDK defaults to insecure). Fix: insecure false "
        "on the provider (registry_platform always passes it unless `harbor.insecure: true`).",
        [PROVIDER],
        _provider_verifies_tls,
        level=MANDATORY,
    ),
    resource_policy(
        "harbor-project-private",
        "Harbor projects are private, so only members and robots can pull. Fix: public false, or an exemption "
        "for a deliberately public project.",
        [PROJECT],
        _project_private,
        level=ADVISORY,
        prod_level=MANDATORY,
        config_schema=EXEMPTIONS,
    ),
    resource_policy(
        "harbor-project-scan-on-push",
        "Harbor projects scan every pushed image. Fix: vulnerabilityScanning true.",
        [PROJECT],
        _project_scans,
        level=ADVISORY,
        prod_level=MANDATORY,
    ),
    resource_policy(
        "harbor-robot-expires",
        "Harbor robot accounts (CI credentials) expire. Fix: a duration in days, or an exemption for a "
        "deliberately long-lived robot.",
        [ROBOT],
        _robot_expires,
        level=ADVISORY,
        prod_level=MANDATORY,
        config_schema=EXEMPTIONS,
    ),
]
