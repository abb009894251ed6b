"""The settings layer: defaults, derived values, and one checked error message per validation."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

import pulumi
from registry_platform.settings import SelfHostedRegistryArgs, SettingsError, load_stack_settings

USERS = [{"name": "admin"}, {"name": "ci"}]


def settings(**self_hosted):
    return load_stack_settings({"selfHosted": {"users": USERS, **self_hosted}}).self_hosted


def problems(config: dict) -> dict[str, str]:
    with pytest.raises(SettingsError) as caught:
        load_stack_settings(config)
    return {p.path: p.message for p in caught.value.problems}


def test_defaults_are_the_secure_ones():
    s = settings()
    assert s.image == "registry:2.8.3"
    assert s.tls.mode == "generated" and s.tls.sans == ["localhost", "127.0.0.1"]
    assert s.auth == "htpasswd"
    assert s.bind_address == "127.0.0.1"
    assert s.storage.delete_enabled is False
    assert s.debug.publish is False and s.debug.prometheus is False
    assert s.tls.minimum_version == "tls1.2"


def test_derived_values():
    s = settings(host="registry.example.com", port=443, tls={"sans": ["registry.example.com", "10.1.2.3"]})
    assert s.login_server == "registry.example.com"
    assert s.endpoint == "https://registry.example.com"
    assert s.tls.dns_names == ["registry.example.com"] and s.tls.ip_addresses == ["10.1.2.3"]
    assert settings().login_server == "localhost:5000"


def test_no_self_hosted_section_means_no_registry():
    assert load_stack_settings({}).self_hosted is None


def test_camel_case_keys_in_config_snake_case_in_python():
    s = settings(bindAddress="0.0.0.0", storage={"deleteEnabled": True})
    assert s.bind_address == "0.0.0.0" and s.storage.delete_enabled
    args = SelfHostedRegistryArgs(users=[{"name": "admin"}], bind_address="::1")
    assert args.bind_address == "::1"


def test_supplied_password_is_kept_secret_in_python_and_errors():
    s = settings(users=[{"name": "admin", "password": "correct-horse-battery"}])
    assert isinstance(s.users[0].password, SecretStr)
    assert "correct-horse" not in repr(s) and "correct-horse" not in s.model_dump_json()
    with pytest.raises(ValidationError) as caught:
        SelfHostedRegistryArgs(users=[{"name": "admin", "password": "tiny-secret"}])
    assert "tiny-secret" not in str(caught.value)


@pytest.mark.parametrize(
    ("self_hosted", "path", "fragment"),
    [
        ({"users": [{"name": "admin"}, {"name": "admin"}]}, "selfHosted.users[1].name", "user 'admin' is already entry [0]"),
        ({"users": [{"name": "ad:min"}]}, "selfHosted.users[0].name", "':' separates name and hash"),
        ({"users": [{"name": "ad min"}]}, "selfHosted.users[0].name", "whitespace cannot be part"),
        ({"users": [{"name": "admin"}, {"name": ""}]}, "selfHosted.users[1].name", "cannot be an htpasswd user name"),
        ({"users": [{"name": "admin", "password": "short"}]}, "selfHosted.users[0].password", "must be 12-72 bytes"),
        ({"users": [{"name": "admin", "password": "x" * 73}]}, "selfHosted.users[0].password", "must be 12-72 bytes"),
        ({"users": USERS, "port": 0}, "selfHosted.port", "must be at least 1"),
        ({"users": USERS, "port": 65536}, "selfHosted.port", "must be at most 65535"),
        ({"users": USERS, "bindAddress": "localhost"}, "selfHosted.bindAddress", "is not an IP address"),
        ({"users": USERS, "tls": {"sans": ["localhost", "not a name"]}}, "selfHosted.tls.sans[1]", "neither an IP address nor a DNS name"),
        ({"users": USERS, "tls": {"sans": ["-bad.example.com"]}, "host": "-bad.example.com"}, "selfHosted.tls.sans[0]", "neither an IP"),
        ({"users": USERS, "image": "registry"}, "selfHosted.image", "is not pinned"),
        ({"users": USERS, "image": "registry:latest"}, "selfHosted.image", "is not pinned"),
        ({"users": USERS, "image": "Registry:2"}, "selfHosted.image", "is not an image reference"),
        ({"users": USERS, "image": "registry:2@sha256:123"}, "selfHosted.image", "is not an image reference"),
        ({"users": USERS, "tls": {"mode": "disabled"}}, "selfHosted.tls.mode", "docker clients refuse basic auth over plain HTTP"),
        ({"users": []}, "selfHosted.users", "needs at least one user"),
        ({"users": USERS, "auth": "none", "tls": {"mode": "disabled"}}, "selfHosted.users", "only used with `auth: htpasswd`"),
        ({"users": USERS, "host": "registry.example.com"}, "selfHosted.host", "is not in tls.sans"),
        ({"users": USERS, "tls": {"mode": "provided"}}, "selfHosted.tls.certificatePem", "mode `provided` needs it"),
        ({"users": USERS, "tls": {"mode": "provided"}}, "selfHosted.tls.privateKeyPem", "mode `provided` needs it"),
        ({"users": USERS, "tls": {"certificatePem": "x"}}, "selfHosted.tls.certificatePem", "only applies with mode `provided`"),
        ({"users": USERS, "tls": {"mode": "provided", "certificatePem": "-----BEGIN CERTIFICATE-----\nnope", "privateKeyPem": "nope"}}, "selfHosted.tls.certificatePem", "not a PEM certificate"),
        ({"users": USERS, "tls": {"sans": []}}, "selfHosted.tls.sans", "must have at least 1 entry"),
        ({"users": USERS, "tls": {"validityHours": 168}}, "selfHosted.tls.earlyRenewalHours", "must be less than validityHours (168)"),
        ({"users": USERS, "tls": {"validityHours": 1000, "caValidityHours": 500, "earlyRenewalHours": 10}}, "selfHosted.tls.validityHours", "must not exceed caValidityHours (500)"),
        ({"users": USERS, "image": "registry:2"}, "selfHosted.image", "is not pinned"),
        ({"users": USERS, "image": "registry:2.8"}, "selfHosted.image", "is not pinned"),
        ({"users": USERS, "image": "registry:stable"}, "selfHosted.image", "is not pinned"),
        ({"users": USERS, "host": "*.example.com", "tls": {"sans": ["*.example.com"]}}, "selfHosted.host", "is a wildcard"),
        ({"users": USERS, "http": {"headers": {"x-content-type-options": ["sniff"]}}}, "selfHosted.http.headers", "always `nosniff`"),
        ({"users": USERS, "http": {"headers": {"Access-Control-Allow-Origin": ["*"]}}}, "selfHosted.http.headers", "set CORS headers with `http.cors`"),
        ({"users": USERS, "http": {"headers": {"bad header": ["x"]}}}, "selfHosted.http.headers.bad header", "is not an HTTP header name"),
        ({"users": USERS, "http": {"headers": {"X-Empty": []}}}, "selfHosted.http.headers.X-Empty", "must have at least 1 entry"),
        ({"users": USERS, "http": {"cors": {"allowOrigin": "*"}}}, "selfHosted.http.cors.allowOrigin", "cannot be combined with credentials"),
        ({"users": USERS, "http": {"cors": {"allowOrigin": "ui.example.com"}}}, "selfHosted.http.cors.allowOrigin", "is not an origin"),
        ({"users": USERS, "storage": {"uploadPurging": {"age": "a week"}}}, "selfHosted.storage.uploadPurging.age", "is not a Go duration"),
        ({"users": USERS, "debug": {"port": 5000}}, "selfHosted.debug.port", "must differ from the registry's own port"),
        ({"users": USERS, "debug": {"publish": True, "hostPort": 5000}}, "selfHosted.debug.hostPort", "5000 on 127.0.0.1 is already taken by `port`"),
        ({"users": USERS, "tls": {"keyAlgorithm": "DSA"}}, "selfHosted.tls.keyAlgorithm", "'ECDSA' or 'RSA'"),
        ({"users": USERS, "name": "my registry"}, "selfHosted.name", "not a Docker object name"),
        ({"users": USERS, "bcryptCost": 4}, "selfHosted.bcryptCost", "must be at least 10"),
        ({"users": [{"nmae": "admin"}]}, "selfHosted.users[0].nmae", "did you mean `name`?"),
        ({"users": [{"name": "admin"}]}, None, None),
    ],
)
def test_each_problem_is_reported_at_its_config_path(self_hosted, path, fragment):
    config = {"selfHosted": self_hosted}
    if path is None:
        assert load_stack_settings(config).self_hosted.users[0].name == "admin"
        return
    found = problems(config)
    assert path in found, found
    assert fragment in found[path]


def test_unknown_keys_suggest_the_closest_valid_key():
    found = problems({"selfHosted": {"users": USERS, "prot": 5001, "tls": {"sanz": ["localhost"]}}})
    assert found["selfHosted.prot"].startswith("unknown key; did you mean `port`?")
    assert "did you mean `sans`?" in found["selfHosted.tls.sanz"]
    assert "valid keys here: " in found["selfHosted.tls.sanz"] and "keyAlgorithm" in found["selfHosted.tls.sanz"]
    top = problems({"selfhosted": {}})
    assert "did you mean `selfHosted`?" in top["selfhosted"]


def test_all_problems_are_reported_at_once():
    found = problems(
        {"selfHosted": {"users": [{"name": "a:b"}], "port": 99999, "image": "registry", "tls": {"sans": ["bad name"]}}}
    )
    assert {"selfHosted.users[0].name", "selfHosted.port", "selfHosted.image", "selfHosted.tls.sans[0]"} <= set(found)


def test_error_text_lists_every_problem_and_never_the_secret():
    with pytest.raises(SettingsError) as caught:
        load_stack_settings({"selfHosted": {"users": [{"name": "a:b", "password": "hunter2-very-secret"}], "port": -1}})
    text = str(caught.value)
    assert "2 problem(s)" in text
    assert "selfHosted.users[0].name" in text and "selfHosted.port" in text
    assert "hunter2" not in text
    assert isinstance(caught.value, pulumi.RunError)


def test_a_secret_that_is_not_a_string_is_rejected_without_echo():
    found = problems({"selfHosted": {"users": [{"name": "admin", "password": 123456789012}]}})
    assert "must be text, set as a secret" in found["selfHosted.users[0].password"]
    assert "123456789012" not in found["selfHosted.users[0].password"]


def test_field_errors_do_not_hide_cross_field_problems():
    found = problems({"selfHosted": {"users": [{"name": "a:b"}], "tls": {"mode": "disabled"}, "port": 0}})
    assert set(found) == {"selfHosted.users[0].name", "selfHosted.tls.mode", "selfHosted.port"}
    found = problems({"selfHosted": {"users": USERS, "host": "x.example.com", "tls": {"sans": ["bad name"]}, "port": 0}})
    assert set(found) == {"selfHosted.tls.sans[0]", "selfHosted.port"}  # the host check needs valid sans
    found = problems({"selfHosted": {"users": USERS, "host": "x.example.com", "port": 0}})
    assert set(found) == {"selfHosted.host", "selfHosted.port"}


def test_provided_certificate_is_checked_before_deploying():
    from tests.support.certs import brought_certificate

    brought = brought_certificate(["registry.example.com", "10.0.0.5"])
    other = brought_certificate(["registry.example.com"])
    base = {"mode": "provided", "certificatePem": brought.certificate_pem}
    ok = load_stack_settings({"selfHosted": {"users": USERS, "host": "registry.example.com",
                                             "tls": {**base, "privateKeyPem": brought.private_key_pem}}})
    assert ok.self_hosted.tls.provided_names == ["registry.example.com", "10.0.0.5"]
    assert load_stack_settings({"selfHosted": {"users": USERS, "host": "10.0.0.5",
                                               "tls": {**base, "privateKeyPem": brought.private_key_pem}}})
    found = problems({"selfHosted": {"users": USERS, "host": "registry.example.com",
                                     "tls": {**base, "privateKeyPem": other.private_key_pem}}})
    assert "does not belong to certificatePem" in found["selfHosted.tls.privateKeyPem"]
    assert other.private_key_pem.splitlines()[1] not in str(found)
    found = problems({"selfHosted": {"users": USERS, "host": "localhost",
                                     "tls": {**base, "privateKeyPem": brought.private_key_pem}}})
    assert "is not among the provided certificate's names" in found["selfHosted.host"]
    found = problems({"selfHosted": {"users": USERS, "host": "registry.example.com",
                                     "tls": {**base, "privateKeyPem": "-----BEGIN PRIVATE KEY-----\nxx\n-----END PRIVATE KEY-----"}}})
    assert "is not an unencrypted PEM private key" in found["selfHosted.tls.privateKeyPem"]


def test_wildcard_certificate_covers_one_label():
    from registry_platform.settings.certificates import covers

    assert covers(["*.example.com"], "registry.example.com")
    assert not covers(["*.example.com"], "a.registry.example.com")
    assert not covers(["*.example.com"], "example.com")
    assert covers(["10.0.0.5"], "10.0.0.5") and not covers(["10.0.0.5"], "10.0.0.6")


def test_secrets_in_plain_text_are_refused():
    from registry_platform.settings.stack import plain_text_secret_problems

    values = {"selfHosted": {"users": [{"name": "admin", "password": "plain-text-password"}, {"name": "ci"}]}}
    found = plain_text_secret_problems(values, lambda key: False)
    assert [p.path for p in found] == ["selfHosted.users[0].password"]
    assert "--secret --path 'selfHosted.users[0].password'" in found[0].message
    assert "plain-text-password" not in found[0].message
    assert plain_text_secret_problems(values, lambda key: key == "registry-platform:selfHosted") == []


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("1.5ms", "not a whole number of milliseconds"),  # go_duration would declare 2ms: a diff on every run
        ("500us", "not a whole number of milliseconds"),  # would become 0s: Docker's 30s default
        ("1500us", "not a whole number of milliseconds"),
        ("0s", "must be longer than zero"),
        ("2562048h", "longer than a Go duration can be"),
        ("a week", "is not a Go duration"),
        ("10", "is not a Go duration"),
    ],
)
def test_durations_that_would_not_reach_docker_as_written_are_refused(value, fragment):
    for key in ("interval", "timeout", "startPeriod", "startInterval"):
        found = problems({"selfHosted": {"users": USERS, "container": {"healthcheck": {key: value}}}})
        assert fragment in found[f"selfHosted.container.healthcheck.{key}"], found
    found = problems({"selfHosted": {"users": USERS, "storage": {"uploadPurging": {"age": value}}}})
    assert fragment in found["selfHosted.storage.uploadPurging.age"]


@pytest.mark.parametrize("value", ["1ms", "2ms", "1.5s", "90s", "1h30m", "168h", "0.25s", "2562047h", "1h0m0.001s"])
def test_accepted_durations_round_trip_through_go_canonical_form(value):
    from registry_platform.settings.formats import duration_nanoseconds, duration_problem, go_duration

    assert duration_problem(value) is None
    canonical = go_duration(value)
    assert duration_nanoseconds(canonical) == duration_nanoseconds(value)
    assert go_duration(canonical) == canonical


def test_start_interval_defaults_and_bounds():
    check = settings().container.healthcheck
    assert (check.start_interval, check.start_period, check.interval) == (None, "30s", "10s")
    assert settings(container={"healthcheck": {"startInterval": "1s"}}).container.healthcheck.start_interval == "1s"
    assert settings(container={"healthcheck": {"startInterval": None}}).container.healthcheck.start_interval is None
    found = problems({"selfHosted": {"users": USERS, "container": {"healthcheck": {"interval": "5s", "startInterval": "10s"}}}})
    assert "must not be longer than `interval` (5s)" in found["selfHosted.container.healthcheck.startInterval"]


@pytest.mark.parametrize(
    ("self_hosted", "path", "fragment"),
    [
        ({"name": "r"}, "selfHosted.name", "2-128 letters"),
        ({"volume": {"name": "v"}}, "selfHosted.volume.name", "2-128 letters"),
        ({"log": {"fields": {"service": "other"}}}, "selfHosted.log.fields", "`service` is always `registry`"),
        ({"container": {"log": {"maxSize": "0m"}}}, "selfHosted.container.log.maxSize", "not a positive size"),
        ({"container": {"log": {"maxSize": "10"}}}, "selfHosted.container.log.maxSize", "e.g. 10m"),
        ({"container": {"log": {"maxFiles": 0}}}, "selfHosted.container.log.maxFiles", "must be at least 1"),
        ({"container": {"log": {"driver": "syslog"}}}, "selfHosted.container.log.driver", "'json-file' or 'local'"),
        ({"container": {"logMaxSize": "10m"}}, "selfHosted.container", "moved to `log: {maxSize, maxFiles}`"),
        ({"tls": {"organization": "o" * 65}}, "selfHosted.tls.organization", "at most 64 characters"),
        ({"tls": {"organization": ""}}, "selfHosted.tls.organization", "at least 1 character"),
    ],
)
def test_review_fixes_report_at_their_config_paths(self_hosted, path, fragment):
    found = problems({"selfHosted": {"users": USERS, **self_hosted}})
    assert fragment in found.get(path, ""), found


def test_two_character_names_and_a_configured_log_are_accepted():
    s = settings(name="r2", volume={"name": "v2"}, container={"log": {"driver": "local", "maxSize": "20m"}})
    assert (s.name, s.volume.name) == ("r2", "v2")
    assert s.container.log.options == {"max-size": "20m", "max-file": "3"}
    assert settings().container.log is None and settings().name is None


def test_docker_claims_name_ports_and_their_config_paths():
    s = settings(name="reg", port=5443, debug={"publish": True, "hostPort": 9102, "bindAddress": "127.0.0.1"})
    assert [(c.kind, c.value, c.path, c.address) for c in s.docker_claims("selfHosted")] == [
        ("container name", "reg", "selfHosted.name", None),
        ("host port", 5443, "selfHosted.port", "127.0.0.1"),
        ("host port", 9102, "selfHosted.debug.hostPort", "127.0.0.1"),
    ]
    assert [c.path for c in settings().docker_claims()] == ["port"]  # the default name is unique per component


def test_published_ports_collide_only_on_overlapping_addresses():
    assert settings(bindAddress="10.0.0.5", debug={"publish": True, "hostPort": 5000}).debug.host_port == 5000
    found = problems({"selfHosted": {"users": USERS, "bindAddress": "0.0.0.0", "debug": {"publish": True, "hostPort": 5000}}})
    assert "already taken by `port`" in found["selfHosted.debug.hostPort"]
    found = problems({"selfHosted": {"users": USERS, "port": 5001, "debug": {"publish": True}}})
    assert "host port 5001 on 127.0.0.1 is already taken by `port`" in found["selfHosted.debug.port"]


def test_stack_refuses_container_names_and_ports_claimed_by_two_sections(monkeypatch):
    """Sections check their own claims; the stack checks claims across sections (mirrors will add some)."""
    from registry_platform.settings.docker import DockerClaim
    from registry_platform.settings.stack import StackSettings

    mirror = [DockerClaim("container name", "reg", "mirrors[0].name"), DockerClaim("host port", 5000, "mirrors[0].port", "0.0.0.0")]
    original = StackSettings.docker_claims
    monkeypatch.setattr(StackSettings, "docker_claims", lambda self, invalid=frozenset(): {**original(self, invalid), "mirrors": mirror})
    found = problems({"selfHosted": {"users": USERS, "name": "reg"}})
    assert found["mirrors[0].name"].startswith("container name reg is already taken by `selfHosted.name`")
    assert "host port 5000 on 0.0.0.0 is already taken by `selfHosted.port`" in found["mirrors[0].port"]
    assert load_stack_settings({"selfHosted": {"users": USERS, "name": "other", "port": 5001}}).self_hosted.port == 5001


def test_early_renewal_docs_say_a_refresh_is_needed():
    from registry_platform.settings.selfhosted import TlsSettings

    doc = TlsSettings.model_fields["early_renewal_hours"].description
    assert "pulumi up --refresh" in doc and "pulumi/pulumi-tls#39" in doc
