"""Validation as a whole (issue 6): strict values, limits the platform enforces, every problem in one
run, null sections, messages in the stack file's terms, and how the stack config is read."""

from __future__ import annotations

import json

import pulumi
import pytest

from registry_platform.settings import SettingsError, StackSettings, load_stack_settings
from registry_platform.settings import stack as stack_module
from tests.support.harness import run_program, stack_config

USERS = [{"name": "admin"}, {"name": "ci"}]
ACCOUNT = "123456789012"


def problems(config: dict) -> dict[str, str]:
    with pytest.raises(SettingsError) as caught:
        load_stack_settings(config)
    return {p.path: p.message for p in caught.value.problems}


def engine_problems(config: dict, secret_keys: list[str] | None = None, **how) -> dict[str, str]:
    with stack_config(config, secret_keys, **how), pytest.raises(SettingsError) as caught:
        load_stack_settings()
    return {p.path: p.message for p in caught.value.problems}


def repository(**settings) -> dict:
    return {"aws": {"repositories": [{"name": "team/api", **settings}]}}


# 1. Numbers are numbers, booleans are booleans.


@pytest.mark.parametrize(
    ("value", "fragment"),
    [(True, "not true/false"), (5000.0, "without a decimal point"), ("5000", "without quotes")],
)
def test_a_port_is_a_whole_number(value, fragment):
    found = problems({"selfHosted": {"users": USERS, "port": value}})
    assert fragment in found["selfHosted.port"]


@pytest.mark.parametrize("count", [True, 1.0, "1"])
def test_a_lifecycle_count_is_a_whole_number(count):
    found = problems(repository(lifecycle={"keepLast": [{"count": count}]}))
    assert found["aws.repositories[0].lifecycle.keepLast[0].count"].startswith("must be a whole number")


@pytest.mark.parametrize(("value", "fragment"), [("false", "without quotes"), (0, "not a number")])
def test_a_switch_is_true_or_false(value, fragment):
    found = problems(repository(scanOnPush=value))
    assert fragment in found["aws.repositories[0].scanOnPush"]


def test_literal_numbers_are_not_matched_by_booleans_or_text():
    for value in (True, "4096"):
        found = problems({"selfHosted": {"users": USERS, "tls": {"rsaBits": value}}})
        assert found["selfHosted.tls.rsaBits"] == "must be 2048, 3072 or 4096"


# 2. What ECR would refuse at `pulumi up`.


def test_a_lifecycle_policy_longer_than_ecr_takes_names_the_list_to_shorten():
    prefixes = [f"release-{i:04d}" for i in range(140)]
    found = problems(repository(lifecycle={"keepLast": [{"count": 5, "tagPrefixes": prefixes}]}))
    message = found["aws.repositories[0].lifecycle"]
    assert "ECR accepts at most 30,720" in message and "Shorten `lifecycle.keepLast`" in message
    assert load_stack_settings(repository(lifecycle={"keepLast": [{"count": 5, "tagPrefixes": prefixes[:80]}]}))


def test_a_repository_policy_longer_than_ecr_takes_names_the_list_to_shorten():
    accounts = [f"{i:012d}" for i in range(1, 260)]
    found = problems(repository(access={"pull": accounts[:10], "push": accounts}))
    message = found["aws.repositories[0].access"]
    assert "repository policy" in message and "at most 10,240" in message and "Shorten `push`" in message
    assert load_stack_settings(repository(access={"push": accounts[:200]}))


def test_a_registry_policy_longer_than_ecr_takes_is_refused():
    accounts = [f"{i:012d}" for i in range(1, 400)]
    found = problems({"aws": {"registrySettings": {"policy": {"allowReplicationFrom": accounts}}}})
    assert "Shorten `allowReplicationFrom`" in found["aws.registrySettings.policy"]


def test_tags_count_with_the_global_tags_and_the_forced_one():
    from registry_platform.aws.ecr import MANAGED_BY
    from registry_platform.settings.aws.formats import FORCED_TAG_KEYS

    assert set(MANAGED_BY) == FORCED_TAG_KEYS
    shared = {f"shared-{i}": "x" for i in range(30)}
    own = {f"own-{i}": "y" for i in range(20)}
    found = problems({"aws": {"tags": shared, "repositories": [{"name": "aa", "tags": own}, {"name": "bb"}]}})
    assert set(found) == {"aws.repositories[0].tags"}
    assert "51 tags" in found["aws.repositories[0].tags"] and "aws.tags" in found["aws.repositories[0].tags"]
    found = problems({"aws": {"tags": {f"k{i}": "v" for i in range(50)}}})
    assert "51 tags with `managed-by`" in found["aws.tags"]
    assert load_stack_settings({"aws": {"tags": shared, "repositories": [{"name": "aa", "tags": dict(list(own.items())[:19])}]}})


# 3. Every problem in one run.


def test_plain_text_secrets_are_reported_beside_the_other_problems():
    config = {"selfHosted": {"users": [{"name": "admin", "password": "plain-text-password"}], "port": 0}}
    found = engine_problems(config)
    assert set(found) == {"selfHosted.port", "selfHosted.users[0].password"}
    assert "stored in plain text" in found["selfHosted.users[0].password"]
    assert "plain-text-password" not in json.dumps(found)


def test_a_cross_field_check_runs_when_only_other_fields_are_wrong():
    found = problems(repository(encryption={"kmsKeyArn": "not-an-arn", "awsManagedKey": True}))
    assert set(found) == {"aws.repositories[0].encryption.kmsKeyArn", "aws.repositories[0].encryption.awsManagedKey"}
    found = problems({"aws": {"registrySettings": {"scanning": {"type": "FAST", "rules": [
        {"frequency": "SCAN_ON_PUSH"}, {"frequency": "SCAN_ON_PUSH"}]}}}})
    assert set(found) == {"aws.registrySettings.scanning.type", "aws.registrySettings.scanning.rules[1].frequency"}


def test_every_offender_is_reported_not_only_the_first():
    found = problems({"aws": {
        "tags": {"aws:a": "1", "aws:b": "2", "k" * 129: "3"},
        "repositories": [{"name": "aa"}, {"name": "aa"}, {"name": "bb"}, {"name": "bb", "access": {"statements": [
            {"Effect": "Maybe", "Principal": "*", "Action": "ecr:BatchGetImage"},
            {"Effect": "Allow"},
        ]}}],
    }})
    assert {"aws.tags.aws:a", "aws.tags.aws:b", "aws.repositories[1].name", "aws.repositories[3].name"} <= set(found)
    statements = "aws.repositories[3].access.statements"
    assert {f"{statements}[0].Effect", f"{statements}[1].Action", f"{statements}[1].Principal"} <= set(found)
    users = problems({"selfHosted": {"users": [{"name": "a"}, {"name": "a"}, {"name": "a"}]}})
    assert {"selfHosted.users[1].name", "selfHosted.users[2].name"} <= set(users)


def test_a_statement_with_a_malformed_action_is_a_problem_not_a_crash():
    found = problems(repository(access={"statements": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": 5}]}))
    assert "must be an action or a list of actions" in found["aws.repositories[0].access.statements[0].Action"]


# 4. A null section is refused, for every top-level key.


@pytest.mark.parametrize("key", [field.alias for field in StackSettings.model_fields.values()])
def test_a_null_section_is_refused_with_how_to_turn_it_off(key):
    found = problems({key: None})
    assert f"`pulumi config rm registry-platform:{key}`" in found[key]


def test_the_schema_does_not_offer_null_sections():
    from registry_platform.settings.schema import stack_config_schema

    for key, schema in stack_config_schema()["properties"]["config"]["properties"].items():
        assert "anyOf" not in schema
        assert "$ref" in schema or (key.endswith(":pullThroughCaches") and schema["type"] == "array")


# 5. Messages in the stack file's terms.

BAD_CONFIGS = [
    {"selfHosted": []},
    {"selfHosted": {"users": "admin"}},
    {"selfHosted": {"users": [{}], "tls": {"keyAlgorithm": "DSA", "sans": []}, "port": 70000}},
    {"selfHosted": {"users": USERS, "container": {"log": {"maxSize": "10 MB"}}, "bcryptCost": "12"}},
    {"selfHosted": {"users": [{"name": "admin", "password": 12345678901234}]}},
    {"aws": {"region": 1, "repositories": [{"name": 12}], "tags": {"cost": 1}}},
    {"aws": {"registrySettings": {"replication": {"rules": []}, "policy": {"allowReplicationFrom": [123456789012]}}}},
]
NOT_FOR_PEOPLE = ["Input should", "instance of", "Args", "Settings", "pattern", "^", "$", "pulumi.Output", "dictionary", "Value error"]


@pytest.mark.parametrize("config", BAD_CONFIGS)
def test_no_message_speaks_pydantic(config):
    for path, message in problems(config).items():
        assert not [word for word in NOT_FOR_PEOPLE if word in message], f"{path}: {message}"


def test_each_kind_of_mistake_is_worded_for_a_yaml_file():
    found = problems({"selfHosted": {"users": [{}], "tls": {"sans": []}, "container": {"log": {"maxSize": "10 MB"}}}})
    assert found["selfHosted.users[0].name"] == "required key is missing (User name, e.g. `admin` or `ci`)"
    assert found["selfHosted.tls.sans"] == "must have at least 1 entry (it has 0)"
    assert "e.g. 10m" in found["selfHosted.container.log.maxSize"]
    assert problems({"selfHosted": []})["selfHosted"] == "must be a mapping of keys to values, not a list"


def test_an_unquoted_account_id_gets_a_hint_to_quote_it():
    found = problems({"aws": {"registrySettings": {"policy": {"allowReplicationFrom": [12345678901]}}}})
    message = found["aws.registrySettings.policy.allowReplicationFrom[0]"]
    assert "quote it" in message and "leading zeros" in message


def test_long_values_are_cut_when_echoed():
    found = problems(repository(name="Team" * 2500, tags={"aws:" + "k" * 5000: "v"}))
    assert all(len(path) + len(message) < 400 for path, message in found.items()), found
    assert "(10,000 characters)" in found["aws.repositories[0].name"]
    assert any("(5,004 characters)" in path for path in found)


def test_a_secret_is_never_echoed_even_when_long_or_wrong():
    secret = "s3cret-" * 2000
    found = problems({"selfHosted": {"users": [{"name": "admin", "password": secret}], "port": True}})
    assert "s3cret" not in json.dumps(found)


# 6. Reading the stack config: public API first, one guarded private read.


@pytest.fixture
def private_map_unavailable(monkeypatch):
    """An SDK whose private config module has changed (the public functions still work)."""
    import types

    monkeypatch.setattr(pulumi.runtime, "config", types.SimpleNamespace())


def test_the_private_config_map_still_lists_keys_on_the_installed_sdk():
    with stack_config({"selfHosted": {"users": USERS}, "typo": 1}):
        assert {"registry-platform:selfHosted", "registry-platform:typo"} <= set(stack_module._keys_set_in_process())


def test_known_sections_are_read_with_public_get_config(monkeypatch):
    monkeypatch.setattr(stack_module, "_keys_set_in_process", lambda: [])
    with stack_config({"selfHosted": {"users": USERS}}):
        assert load_stack_settings().self_hosted.user_names == ["admin", "ci"]


def test_unknown_keys_are_listed_from_the_language_host_environment(monkeypatch):
    monkeypatch.setattr(stack_module, "_keys_set_in_process", lambda: [])
    found = engine_problems({"selfhosted": {"users": USERS}}, language_host=True)
    assert "did you mean `selfHosted`?" in found["selfhosted"]


def test_unknown_keys_of_an_inline_program_are_listed_through_the_private_map():
    found = engine_problems({"selfhosted": {"users": USERS}})
    assert "did you mean `selfHosted`?" in found["selfhosted"]


def test_without_the_private_map_known_keys_still_read(private_map_unavailable):
    assert stack_module._keys_set_in_process() == []
    with stack_config({"selfHosted": {"users": USERS}}):
        assert load_stack_settings().self_hosted is not None


def test_a_program_run_as_the_language_host_runs_it():
    run = run_program({"selfHosted": {"users": USERS}}, language_host=True)
    assert run.exports["selfHosted"].value["users"] == ["admin", "ci"]
    run = run_program({"selfHosted": {"users": [{"name": "admin", "password": "p" * 20}]}},
                      secret_keys=["registry-platform:selfHosted"], language_host=True)
    assert run.exports["selfHosted"].value["users"] == ["admin"]
    assert pulumi.runtime.get_config_env() == {}  # the environment is restored


def test_a_plain_password_beside_a_secure_one_in_the_stack_file_is_refused(run_stack, tmp_path, monkeypatch):
    """One `--secret --path` makes the engine mark the whole `selfHosted` key secret, so the stack file
    itself is read: the plain password is caught, the secure one is not."""
    (tmp_path / "Pulumi.dev.yaml").write_text(
        "config:\n"
        "  registry-platform:selfHosted:\n"
        "    users:\n"
        "      - name: admin\n"
        "        password:\n"
        "          secure: v1:AAAABBBBCCCC\n"
        "      - name: ci\n"
        "        password: plain-text-password-1\n"
    )
    monkeypatch.chdir(tmp_path)
    config = {"selfHosted": {"users": [{"name": "admin", "password": "decrypted-password-0"},
                                       {"name": "ci", "password": "plain-text-password-1"}]}}
    run = run_stack(config, secret_keys=["registry-platform:selfHosted"], expect_error=True)
    problems = {p.path: p.message for p in run.error.problems}
    assert list(problems) == ["selfHosted.users[1].password"]
    assert "stored in plain text" in problems["selfHosted.users[1].password"]
    assert "plain-text-password-1" not in str(run.error) and "decrypted-password-0" not in str(run.error)
    # Without a stack file (an Automation API program), the engine's per-key flag is all there is.
    (tmp_path / "Pulumi.dev.yaml").unlink()
    assert run_stack(config, secret_keys=["registry-platform:selfHosted"]).error is None
