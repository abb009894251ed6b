"""Harbor settings: defaults, and one error test per validation (names, expiry, retention shapes,
cron schedules, proxy caches, secrets), each at its config path, all in one run, in YAML terms."""

from __future__ import annotations

import json

import pytest

from registry_platform.settings import HarborRegistryArgs, SettingsError, load_stack_settings
from registry_platform.settings.harbor.formats import cron_problem
from tests.unit.test_settings_validation import NOT_FOR_PEOPLE, engine_problems

BASE = {"url": "https://harbor.example.com", "username": "admin", "password": "Admin-Passw0rd"}


def problems(section: dict) -> dict[str, str]:
    with pytest.raises(SettingsError) as caught:
        load_stack_settings({"harbor": {**BASE, **section}})
    found = {p.path: p.message for p in caught.value.problems}
    for path, message in found.items():
        echoed = [word for word in NOT_FOR_PEOPLE if word in json.dumps(section)]  # a given value may hold one
        assert not [word for word in NOT_FOR_PEOPLE if word in message and word not in echoed], f"{path}: {message}"
    return found


def project(**settings) -> dict:
    return {"projects": [{"name": "team", **settings}]}


def test_defaults_are_the_secure_ones():
    args = HarborRegistryArgs.model_validate({**BASE, **project()})
    assert args.insecure is False and args.robot_prefix == "robot$"
    team = args.projects[0]
    assert team.public is False and team.vulnerability_scanning is True and team.content_trust == "none"
    assert team.force_destroy is False and team.retention is None and team.robots == []


@pytest.mark.parametrize("name", ["Team", "team_", "-team", "te..am", "team/api", "", "a" * 256])
def test_project_names_follow_harbors_rule(name):
    assert "is not a Harbor project name" in problems(project(name=name))["harbor.projects[0].name"]


@pytest.mark.parametrize("name", ["CI", "ci+push", "robot$ci", "ci-", ""])
def test_robot_names_follow_harbors_rule(name):
    found = problems(project(robots=[{"name": name, "durationDays": 1}]))
    assert "is not a Harbor robot name" in found["harbor.projects[0].robots[0].name"]


def test_a_robot_needs_an_expiry_or_an_explicit_never():
    found = problems(project(robots=[{"name": "ci"}, {"name": "cd", "durationDays": 5, "neverExpires": True},
                                     {"name": "zero", "durationDays": 0}]))
    assert "required" in found["harbor.projects[0].robots[0].durationDays"] and "neverExpires: true" in found["harbor.projects[0].robots[0].durationDays"]
    assert "not both" in found["harbor.projects[0].robots[1].neverExpires"]
    assert found["harbor.projects[0].robots[2].durationDays"] == "must be at least 1"
    assert load_stack_settings({"harbor": {**BASE, **project(robots=[{"name": "ci", "neverExpires": True}])}})


def test_a_given_robot_secret_follows_harbors_rule_and_is_not_echoed():
    found = problems(project(robots=[{"name": "ci", "durationDays": 1, "secret": "alllowercase"}]))
    message = found["harbor.projects[0].robots[0].secret"]
    assert "8-128 characters" in message and "alllowercase" not in message


def test_duplicate_names_are_reported_across_projects_and_proxy_caches():
    found = problems({
        "projects": [{"name": "team", "robots": [{"name": "ci", "durationDays": 1}, {"name": "ci", "durationDays": 2}]},
                     {"name": "team"}],
    })
    assert {"harbor.projects[1].name", "harbor.projects[0].robots[1].name"} <= set(found)
    found = problems({"projects": [{"name": "team"}], "proxyCaches": [{"name": "team", "upstream": {"provider": "docker-hub"}}]})
    assert "a proxy cache is a Harbor project" in found["harbor.proxyCaches[0].name"]


@pytest.mark.parametrize(("schedule", "fragment"), [
    ("0 3 * * *", "has 5 fields, but Harbor's cron has 6, seconds first"),
    ("* 0 3 * * *", "second field"),
    ("0 0 25 * * *", "hour field '25'"),
    ("0 0 3 32 * *", "day of month field"),
    ("0 0 3 * 13 *", "month field"),
    ("0 0 3 * * 7", "day of week field"),
    ("0 0 3 ? * ?", None),
    ("0 ? 3 * * *", "'?' is only allowed"),
    ("0 */0 * * * *", "step"),
    ("Daily", "not a schedule"),
    ("every day", "not a schedule"),
])
def test_cron_schedules_are_harbors_six_fields(schedule, fragment):
    problem = cron_problem(schedule)
    if fragment is None:
        assert problem is None
    else:
        assert fragment in problem


@pytest.mark.parametrize("schedule", ["hourly", "daily", "weekly", "0 0 3 * * *", "0 30 1 * * MON-FRI", "0 0 */6 * * *",
                                      "0 0 0 1,15 JAN-JUN *", "15 0 0 * * 0"])
def test_valid_schedules(schedule):
    assert cron_problem(schedule) is None


def test_every_schedule_is_checked_at_its_path():
    found = problems({
        "projects": [{"name": "team", "retention": {"schedule": "0 3 * * *", "rules": [{"keepLastPushed": 1}]}}],
        "system": {"garbageCollection": {"schedule": "0 3 * * *"}, "scanAll": {"schedule": "nightly"},
                   "auditLogPurge": {"schedule": "0 3 * * *", "retentionHours": 24}},
    })
    assert {"harbor.projects[0].retention.schedule", "harbor.system.garbageCollection.schedule",
            "harbor.system.scanAll.schedule", "harbor.system.auditLogPurge.schedule"} <= set(found)
    assert "put the second in front: '0 0 3 * * *'" in found["harbor.system.garbageCollection.schedule"]


def test_retention_rule_shapes():
    found = problems(project(retention={"rules": [
        {},
        {"keepLastPushed": 1, "keepLastPulled": 2},
        {"keepAlways": True, "tags": {"matching": "v*", "excluding": "latest"}},
        {"keepLastPushed": 1, "repositories": {}},
        {"keepLastPushed": 0},
    ]}))
    rules = "harbor.projects[0].retention.rules"
    assert "give exactly one of keepLastPushed, keepLastPulled" in found[f"{rules}[0]"]
    assert "give exactly one of" in found[f"{rules}[1]"]
    assert "exactly one of `matching` or `excluding`" in found[f"{rules}[2].tags"]
    assert "exactly one of `matching` or `excluding`" in found[f"{rules}[3].repositories"]
    assert found[f"{rules}[4].keepLastPushed"] == "must be at least 1"
    too_many = problems(project(retention={"rules": [{"keepLastPushed": i + 1} for i in range(16)]}))
    assert "at most 15" in too_many["harbor.projects[0].retention.rules"]
    assert "at least 1" in problems(project(retention={"rules": []}))["harbor.projects[0].retention.rules"]


def test_immutable_rules_and_webhooks():
    found = problems(project(
        immutableTags=[{"repositories": {"matching": "**"}}] + [{"tags": {"matching": "v*"}}] * 15,
        webhooks=[{"name": "a", "address": "ftp://x", "authHeader": "Bearer a\nb", "events": ["PUSH_ARTIFACT", "PUSH_ARTIFACT"]},
                  {"name": "b", "address": "https://x.example.com", "events": ["PUSHED"]},
                  {"name": "c", "address": "https://x.example.com", "events": []}],
    ))
    assert "at most 15" in found["harbor.projects[0].immutableTags"]
    hooks = "harbor.projects[0].webhooks"
    assert "not an http(s) URL" in found[f"{hooks}[0].address"] and "ftp" not in found[f"{hooks}[0].address"]
    assert "one line" in found[f"{hooks}[0].authHeader"]
    assert "twice" in found[f"{hooks}[0].events"]
    assert "PUSH_ARTIFACT" in found[f"{hooks}[1].events[0]"]
    assert "at least 1" in found[f"{hooks}[2].events"]


def test_project_options():
    found = problems(project(cveAllowlist=["CVE-1"], preventVulnerable="severe", storageQuotaGb=0, contentTrust="sigstore",
                             members={"users": [{"name": "a", "role": "owner"}, {"name": "b", "role": "guest"}],
                                      "groups": [{"name": "g", "type": "oidc", "role": "guest", "ldapGroupDn": "cn=g"}]}))
    base = "harbor.projects[0]"
    assert "is not a CVE ID" in found[f"{base}.cveAllowlist[0]"]
    assert "critical" in found[f"{base}.preventVulnerable"]
    assert found[f"{base}.storageQuotaGb"] == "must be at least 1"
    assert "cosign" in found[f"{base}.contentTrust"]
    assert "maintainer" in found[f"{base}.members.users[0].role"]
    assert "type: ldap" in found[f"{base}.members.groups[0].ldapGroupDn"]
    ldap = problems(project(members={"groups": [{"name": "ops", "type": "ldap", "role": "guest"},
                                                {"name": "dev", "type": "ldap", "role": "guest", "ldapGroupDn": " "}]}))
    for index in (0, 1):
        message = ldap[f"{base}.members.groups[{index}].ldapGroupDn"]
        assert message.startswith("required with `type: ldap`") and "ldapGroupDn: cn=" in message
    twice = problems(project(members={"users": [{"name": "a", "role": "guest"}, {"name": "a", "role": "developer"}]}))
    assert "one role per member" in twice[f"{base}.members.users[1].name"]
    assert "only applies with `preventVulnerable`" in problems(project(cveAllowlist=["CVE-2024-3094"]))[f"{base}.cveAllowlist"]


def test_proxy_caches():
    found = problems({"proxyCaches": [
        {"name": "quay", "upstream": {"provider": "docker-registry"}},
        {"name": "hub", "upstream": {"provider": "dockerhub", "username": "me"}},
        {"name": "gh", "upstream": {"provider": "github", "password": "t0ken"}, "robots": [{"name": "ci", "access": "push", "durationDays": 1}]},
    ]})
    caches = "harbor.proxyCaches"
    assert "required for provider docker-registry" in found[f"{caches}[0].upstream.endpointUrl"]
    assert "docker-hub" in found[f"{caches}[1].upstream.provider"]
    assert "together" in found[f"{caches}[1].upstream.password"] and "together" in found[f"{caches}[2].upstream.username"]
    assert "takes no pushes" in found[f"{caches}[2].robots[0].access"]


def test_system_robots_name_projects_of_this_section():
    found = problems({
        "projects": [{"name": "team"}], "proxyCaches": [{"name": "hub", "upstream": {"provider": "docker-hub"}}],
        "robots": [{"name": "a", "durationDays": 1, "projects": ["team", "nope"]},
                   {"name": "b", "access": "push", "durationDays": 1, "projects": ["hub"]},
                   {"name": "c", "access": "push", "durationDays": 1}],
    })
    assert "'nope' is not a project of this section" in found["harbor.robots[0].projects[1]"]
    assert "proxy cache" in found["harbor.robots[1].projects[0]"]
    assert "list the projects it pushes to" in found["harbor.robots[2].projects"]


def test_connection():
    found = problems({"url": "harbor.example.com", "password": 5, "robotPrefix": "", "caCertificatePem": "not a pem"})
    assert "is not a URL like https://harbor.example.com" in found["harbor.url"]
    assert "pulumi config set --secret --path 'harbor.password'" in found["harbor.password"]
    assert "at least 1 character" in found["harbor.robotPrefix"]
    assert "PEM certificate" in found["harbor.caCertificatePem"]
    assert "plain http" in problems({"url": "http://harbor.example.com"})["harbor.url"]
    assert load_stack_settings({"harbor": {**BASE, "url": "http://harbor.example.com", "insecure": True}})


def test_urls_with_credentials_are_refused_without_echoing_them():
    found = problems({"url": "https://admin:Hunter2-Secret@harbor.example.com:8443", "proxyCaches": [
        {"name": "mirror", "upstream": {"provider": "docker-registry", "endpointUrl": "https://bot:Upstream-Pass@mirror.example.com"}}]})
    url, endpoint = found["harbor.url"], found["harbor.proxyCaches[0].upstream.endpointUrl"]
    assert "user name or password" in url and "'https://harbor.example.com:8443'" in url and "`username` and `password`" in url
    assert "'https://mirror.example.com'" in endpoint and "`username` and `password`" in endpoint
    assert not [m for m in found.values() if "Hunter2" in m or "Upstream-Pass" in m or "admin:" in m or "bot:" in m]


def test_the_login_server_is_host_and_port_only():
    args = HarborRegistryArgs.model_validate({**BASE, "url": "https://Harbor.example.com:8443/base"})
    assert args.login_server == "Harbor.example.com:8443"
    # whatever slips past validation (model_construct), userinfo never reaches the login server
    assert HarborRegistryArgs.model_construct(url="https://u:p@harbor.example.com").login_server == "harbor.example.com"


def test_the_password_is_required_and_secret_in_the_stack_file():
    with pytest.raises(SettingsError) as caught:
        load_stack_settings({"harbor": {"url": "https://h.example.com", "username": "admin"}})
    assert {p.path for p in caught.value.problems} == {"harbor.password"}
    found = engine_problems({"harbor": {**BASE, **project(
        robots=[{"name": "ci", "durationDays": 1, "secret": "Plain-Secret-1"}],
        webhooks=[{"name": "w", "address": "https://x.example.com", "events": ["PUSH_ARTIFACT"]}])}})
    assert {"harbor.password", "harbor.projects[0].robots[0].secret", "harbor.projects[0].webhooks[0].address"} <= set(found)
    assert "stored in plain text" in found["harbor.password"]
    assert "Admin-Passw0rd" not in json.dumps(found) and "Plain-Secret-1" not in json.dumps(found)


def test_an_invalid_harbor_config_registers_nothing(run_stack):
    run = run_stack({"harbor": {**BASE, **project(name="Bad", robots=[{"name": "ci"}])}},
                    secret_keys=["registry-platform:harbor"], expect_error=True)
    assert "harbor.projects[0].name" in str(run.error) and "harbor.projects[0].robots[0].durationDays" in str(run.error)
    assert run.resources == []
