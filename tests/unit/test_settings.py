"""The settings layer: defaults, derived values, and one checked error message per validation."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

import pulumi
from components.settings import SelfHostedRegistryArgs, SettingsError, load_stack_settings

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
    assert settings(name="reg").volume_name == "reg-data"


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
        ({"users": [{"name": "admin"}, {"name": "admin"}]}, "selfHosted.users", "user 'admin' is listed twice"),
        ({"users": [{"name": "ad:min"}]}, "selfHosted.users[0].name", "':' separates name and hash"),
        ({"users": [{"name": "ad min"}]}, "selfHosted.users[0].name", "whitespace cannot be part"),
        ({"users": [{"name": "admin"}, {"name": ""}]}, "selfHosted.users[1].name", "cannot be an htpasswd user name"),
        ({"users": [{"name": "admin", "password": "short"}]}, "selfHosted.users[0].password", "must be 12-72 bytes"),
        ({"users": [{"name": "admin", "password": "x" * 73}]}, "selfHosted.users[0].password", "must be 12-72 bytes"),
        ({"users": USERS, "port": 0}, "selfHosted.port", "greater than or equal to 1"),
        ({"users": USERS, "port": 65536}, "selfHosted.port", "less than or equal to 65535"),
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
        ({"users": USERS, "tls": {"mode": "provided"}}, "selfHosted.tls", "needs certificatePem and privateKeyPem"),
        ({"users": USERS, "tls": {"certificatePem": "x"}}, "selfHosted.tls", "only apply with mode `provided`"),
        ({"users": USERS, "tls": {"mode": "provided", "certificatePem": "nope", "privateKeyPem": "nope"}}, "selfHosted.tls", "not a PEM certificate"),
        ({"users": USERS, "tls": {"sans": []}, "auth": "htpasswd"}, "selfHosted.tls", "at least one DNS name or IP"),
        ({"users": USERS, "storage": {"uploadPurging": {"age": "a week"}}}, "selfHosted.storage.uploadPurging.age", "not a positive Go duration"),
        ({"users": USERS, "debug": {"port": 5000}}, "selfHosted.debug.port", "must differ from the registry's own port"),
        ({"users": USERS, "debug": {"publish": True, "hostPort": 5000}}, "selfHosted.debug.hostPort", "collides with `port`"),
        ({"users": USERS, "tls": {"keyAlgorithm": "DSA"}}, "selfHosted.tls.keyAlgorithm", "'ECDSA' or 'RSA'"),
        ({"users": USERS, "name": "my registry"}, "selfHosted.name", "not a Docker object name"),
        ({"users": USERS, "bcryptCost": 4}, "selfHosted.bcryptCost", "greater than or equal to 10"),
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
    assert "2 problem(s)" in text or "3 problem(s)" in text
    assert "selfHosted.users[0].name" in text and "selfHosted.port" in text
    assert "hunter2" not in text
    assert isinstance(caught.value, pulumi.RunError)


def test_a_secret_that_is_not_a_string_is_rejected_without_echo():
    found = problems({"selfHosted": {"users": [{"name": "admin", "password": 123456789012}]}})
    assert "must be a string" in found["selfHosted.users[0].password"]
    assert "123456789012" not in found["selfHosted.users[0].password"]
