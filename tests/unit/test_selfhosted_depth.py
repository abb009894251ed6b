"""Storage backends, Redis cache, notifications and token auth (issue 10): settings, the rendered
config.yml and docker_auth config, and what the component declares. The real-registry side is in
tests/integration/test_selfhosted_depth.py."""

from __future__ import annotations

import json
import re

import bcrypt
import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from registry_platform.selfhosted.config_file import render_registry_config
from registry_platform.selfhosted.layout import AUTH_LAYOUT, LAYOUT
from registry_platform.selfhosted.token_server import libtrust_key_id, render_docker_auth_config
from registry_platform.settings import SelfHostedRegistryArgs, SettingsError, load_stack_settings

CONTAINER = "docker:index/container:Container"
VOLUME = "docker:index/volume:Volume"
SECRET = ["registry-platform:selfHosted"]
ADMIN = [{"name": "admin"}]
S3 = {"bucket": "registry-data", "region": "eu-west-1"}
ROLES = [{"name": "root", "role": "admin"}, {"name": "dev", "role": "developer"}, {"name": "bot", "role": "readonly"}]


def problems(self_hosted: dict) -> dict[str, str]:
    with pytest.raises(SettingsError) as caught:
        load_stack_settings({"selfHosted": self_hosted})
    return {p.path: p.message for p in caught.value.problems}


def rendered(self_hosted: dict, **kw) -> dict:
    return yaml.safe_load(render_registry_config(SelfHostedRegistryArgs.model_validate(self_hosted), http_secret="s", **kw))


def uploads(registration) -> dict[str, dict]:
    return {u["file"]: u for u in registration.inputs["uploads"]}


# Settings


def test_filesystem_stays_the_default_with_the_keys_of_before():
    storage = rendered({"users": ADMIN, "storage": {"deleteEnabled": True}})["storage"]
    assert storage["filesystem"] == {"rootdirectory": "/var/lib/registry"}
    assert storage["cache"] == {"blobdescriptor": "inmemory"} and storage["delete"] == {"enabled": True}
    assert "redirect" not in storage


def test_exactly_one_backend_and_missing_fields_are_named():
    found = problems({"users": ADMIN, "storage": {"s3": {"region": "eu-west-1"}, "azure": {"accountName": "acct1"}}})
    assert found["selfHosted.storage.s3.bucket"].startswith("required key is missing")
    assert found["selfHosted.storage.azure.accountKey"].startswith("required key is missing")
    assert found["selfHosted.storage.azure.container"].startswith("required key is missing")
    found = problems({"users": ADMIN, "storage": {"s3": S3, "gcs": {"bucket": "other-bucket"}, "filesystem": {}}})
    assert "only one storage backend" in found["selfHosted.storage.s3"]
    assert "only one storage backend" in found["selfHosted.storage.gcs"]
    assert "selfHosted.storage.filesystem" not in found


def test_s3_checks_every_field_at_once():
    found = problems({"users": ADMIN, "storage": {"s3": {
        "bucket": "Bad_Bucket", "region": "europe", "regionEndpoint": "ftp://x", "chunkSize": 1024,
        "accessKey": "AKIA", "keyId": "alias/x", "encrypt": False,
    }}})
    assert "bucket name" in found["selfHosted.storage.s3.bucket"]
    assert "selfHosted.storage.s3.region" not in found  # with a (bad) regionEndpoint any region name is fine
    assert "http(s) URL" in found["selfHosted.storage.s3.regionEndpoint"]
    assert found["selfHosted.storage.s3.chunkSize"] == "must be at least 5242880"
    assert "required with `accessKey`" in found["selfHosted.storage.s3.secretKey"]
    assert "AKIA" not in json.dumps(found)


def test_an_aws_region_is_checked_only_without_an_endpoint():
    """S3-compatible servers take their own region names (R2 `auto`, Ceph `default`)."""
    found = problems({"users": ADMIN, "storage": {"s3": {"bucket": "images", "region": "europe"}}})
    assert "AWS region" in found["selfHosted.storage.s3.region"]
    for region in ("auto", "default", "garage"):
        settings = load_stack_settings({"selfHosted": {"users": ADMIN, "storage": {"s3": {
            "bucket": "images", "region": region, "regionEndpoint": "https://account.r2.cloudflarestorage.com"}}}})
        assert settings.self_hosted.storage.s3.region == region


def test_credentials_in_plain_text_are_refused_at_their_paths(run_stack):
    run = run_stack({"selfHosted": {"users": [{"name": "admin"}], "storage": {"s3": {**S3, "accessKey": "AKIAXX", "secretKey": "plain-secret-key"}},
                                    "redis": {"address": "redis:6379", "password": "plain-redis"},
                                    "notifications": {"endpoints": [{"name": "a", "url": "https://h/e", "authHeader": {"value": "Bearer t"}}]}}},
                    expect_error=True)
    message = str(run.error)
    for path in ("storage.s3.accessKey", "storage.s3.secretKey", "redis.password", "notifications.endpoints[0].authHeader.value"):
        assert f"selfHosted.{path}: is a secret but is stored in plain text" in message
    assert "plain-secret-key" not in message and run.resources == []


def test_redis_and_cache_rules():
    found = problems({"users": ADMIN, "storage": {"blobDescriptorCache": "redis"}})
    assert "needs `selfHosted.redis`" in found["selfHosted.storage.blobDescriptorCache"]
    found = problems({"users": ADMIN, "redis": {"address": "redis", "tls": True}})
    assert "host:port" in found["selfHosted.redis.address"]
    assert "ignores `redis.tls`" in found["selfHosted.redis.tls"]
    assert rendered({"users": ADMIN, "redis": {"address": "r:6379"}, "storage": {"blobDescriptorCache": "inmemory"}})[
        "storage"]["cache"] == {"blobdescriptor": "inmemory"}


def test_token_auth_rules():
    found = problems({"auth": "token", "users": [{"name": "a"}, {"name": "b", "role": "readonly"}], "tls": {"mode": "disabled"}})
    assert "needs a role" in found["selfHosted.users[0].role"] and "selfHosted.users[1].role" not in found
    found = problems({"auth": "token", "users": [{"name": "b", "role": "boss"}], "tls": {"mode": "disabled"}})
    assert found["selfHosted.users[0].role"] == "must be 'admin', 'developer' or 'readonly'"
    assert "needs TLS" in found["selfHosted.tls.mode"]
    found = problems({"users": [{"name": "a", "role": "admin"}], "token": {"port": 5001}})
    assert "with htpasswd every user has full access" in found["selfHosted.users[0].role"]
    assert "only applies with `auth: token`" in found["selfHosted.token"]
    found = problems({"auth": "token", "users": [{"name": "a", "role": "admin"}], "token": {"port": 5000}})
    assert "already taken by `port`" in found["selfHosted.token.port"]


def test_notification_rules():
    endpoint = {"name": "a", "url": "https://u:p@hook.example.com/x", "headers": {"Authorization": ["x"]}}
    found = problems({"users": ADMIN, "notifications": {"endpoints": [endpoint, {"name": "a", "url": "https://h/y"}]}})
    assert "must not carry credentials" in found["selfHosted.notifications.endpoints[0].url"]
    assert "set it with `authHeader`" in found["selfHosted.notifications.endpoints[0].headers"]
    assert "endpoint 'a' is already entry [0]" in found["selfHosted.notifications.endpoints[1].name"]
    assert "at least 1 entry" in problems({"users": ADMIN, "notifications": {"endpoints": []}})["selfHosted.notifications.endpoints"]


def test_volume_name_needs_filesystem_storage():
    found = problems({"users": ADMIN, "storage": {"s3": S3}, "volume": {"name": "my-volume"}})
    assert "no volume is declared" in found["selfHosted.volume.name"]


# Rendering


def test_s3_rendering():
    storage = rendered({"users": ADMIN, "storage": {"s3": {**S3, "regionEndpoint": "http://minio:9000", "keyId": "k-1",
                                                            "accessKey": SecretStr("AK"), "secretKey": SecretStr("SK"),
                                                            "rootDirectory": "/reg"}, "redirect": False}})["storage"]
    assert storage["s3"] == {
        "region": "eu-west-1", "bucket": "registry-data", "accesskey": "AK", "secretkey": "SK",
        "regionendpoint": "http://minio:9000", "forcepathstyle": True, "encrypt": True, "keyid": "k-1",
        "secure": True, "v4auth": True, "chunksize": 10485760, "rootdirectory": "/reg",
    }
    assert "filesystem" not in storage and storage["redirect"] == {"disable": True}
    plain = rendered({"users": ADMIN, "storage": {"s3": S3}})["storage"]["s3"]
    assert "accesskey" not in plain and plain["forcepathstyle"] is False


def test_secrets_given_as_outputs_come_in_resolved():
    args = {"users": ADMIN, "redis": {"address": "r:6379", "password": SecretStr("ignored")}}
    config = rendered(args, secrets={"redis.password": "resolved"})
    assert config["redis"]["password"] == "resolved"


def test_azure_and_gcs_rendering():
    azure = rendered({"users": ADMIN, "storage": {"azure": {"accountName": "acct1", "accountKey": SecretStr("KEY"),
                                                             "container": "registry"}}})["storage"]
    assert azure["azure"] == {"accountname": "acct1", "accountkey": "KEY", "container": "registry", "realm": "core.windows.net"}
    gcs = rendered({"users": ADMIN, "storage": {"gcs": {"bucket": "registry-data", "keyfile": SecretStr("{}"),
                                                         "rootDirectory": "reg"}}})["storage"]
    assert gcs["gcs"] == {"bucket": "registry-data", "keyfile": LAYOUT.gcs_keyfile, "rootdirectory": "reg", "chunksize": 5242880}
    assert "multiple of 262144" in problems({"users": ADMIN, "storage": {"gcs": {"bucket": "abc", "chunkSize": 300000}}})[
        "selfHosted.storage.gcs.chunkSize"]


def test_redis_rendering():
    config = rendered({"users": ADMIN, "redis": {"address": "10.0.0.5:6379", "password": SecretStr("pw"), "db": 2}})
    assert config["storage"]["cache"] == {"blobdescriptor": "redis"}
    assert config["redis"] == {
        "addr": "10.0.0.5:6379", "password": "pw", "db": 2, "dialtimeout": "5s", "readtimeout": "5s",
        "writetimeout": "5s", "pool": {"maxidle": 16, "maxactive": 64, "idletimeout": "300s"},
    }


def test_notifications_rendering():
    config = rendered({"users": ADMIN, "notifications": {"includeReferences": True, "endpoints": [{
        "name": "audit", "url": "https://hook.example.com/r", "headers": {"X-Team": ["platform"]},
        "authHeader": {"name": "X-Token", "value": SecretStr("t0k")}, "ignoredMediaTypes": ["application/octet-stream"],
        "ignoreActions": ["pull"], "threshold": 5, "backoff": "2s", "timeout": "500ms",
    }]}})
    assert config["notifications"] == {
        "events": {"includereferences": True},
        "endpoints": [{
            "name": "audit", "disabled": False, "url": "https://hook.example.com/r",
            "headers": {"X-Team": ["platform"], "X-Token": ["t0k"]}, "timeout": "500ms", "threshold": 5,
            "backoff": "2s", "ignoredmediatypes": ["application/octet-stream"], "ignore": {"actions": ["pull"]},
        }],
    }


def test_token_auth_rendering():
    config = rendered({"auth": "token", "users": ROLES, "host": "registry.test", "tls": {"sans": ["registry.test"]},
                       "token": {"port": 5443}, "http": {"cors": {"allowOrigin": "https://ui.test"}}})
    assert config["auth"] == {"token": {
        "realm": "https://registry.test:5443/auth", "service": "registry-platform", "issuer": "registry-platform-auth",
        "rootcertbundle": LAYOUT.token_certificate,
    }}
    assert config["http"]["headers"]["Access-Control-Allow-Credentials"] == ["true"]


# docker_auth config and the key id


def test_docker_auth_config_has_bcrypt_users_and_the_acl_in_order():
    args = SelfHostedRegistryArgs.model_validate({"auth": "token", "users": ROLES})
    passwords = {"root": "root-password-1", "dev": "dev-password-12", "bot": "bot-password-12"}
    hashes = {name: bcrypt.hashpw(pw.encode(), bcrypt.gensalt(4)).decode() for name, pw in passwords.items()}
    config = yaml.safe_load(render_docker_auth_config(args, hashes))
    assert config["server"] == {"addr": ":5001", "certificate": AUTH_LAYOUT.certificate, "key": AUTH_LAYOUT.private_key}
    assert config["token"] == {"issuer": "registry-platform-auth", "expiration": 900,
                               "certificate": AUTH_LAYOUT.token_certificate, "key": AUTH_LAYOUT.token_key}
    assert list(config["users"]) == ["root", "dev", "bot"]
    for name, password in passwords.items():
        assert bcrypt.checkpw(password.encode(), config["users"][name]["password"].encode())
        assert password not in json.dumps(config)
    assert [(entry["match"], entry["actions"]) for entry in config["acl"]] == [
        ({"account": "root"}, ["*"]),
        ({"account": "dev", "type": "repository"}, ["pull", "push"]),
        ({"account": "bot", "type": "repository"}, ["pull"]),
    ]
    with pytest.raises(ValueError, match="bot"):
        render_docker_auth_config(args, {"root": "x", "dev": "y"})


def test_libtrust_key_id_format():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    key_id = libtrust_key_id(key)
    assert re.fullmatch(r"([A-Z2-7]{4}:){11}[A-Z2-7]{4}", key_id)
    from cryptography.hazmat.primitives import serialization

    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    assert libtrust_key_id(pem) == key_id


# The component


def test_object_storage_declares_no_volume_and_keeps_credentials_secret(run_stack):
    s3 = {**S3, "accessKey": "AKIAEXAMPLE", "secretKey": "s3-secret-key-value"}
    run = run_stack({"selfHosted": {"users": ADMIN, "storage": {"s3": s3}, "redis": {"address": "r:6379", "password": "redis-pw-1"}}},
                    secret_keys=SECRET)
    assert not run.of_type(VOLUME)
    container = run.one(CONTAINER)
    assert not container.inputs.get("volumes")
    config_upload = uploads(container)[LAYOUT.config]
    assert config_upload["permissions"] == "0400" and "uploads" in str(container.secret_inputs)
    config = yaml.safe_load(config_upload["content"])
    assert config["storage"]["s3"]["secretkey"] == "s3-secret-key-value" and config["redis"]["password"] == "redis-pw-1"
    selfhosted = run.exports["selfHosted"].value
    assert selfhosted["volumeName"] is None and selfhosted["storage"] == "s3"
    plain = json.dumps(run.exports["registries"].value) + json.dumps(selfhosted)
    for secret in ("AKIAEXAMPLE", "s3-secret-key-value", "redis-pw-1"):
        assert secret not in plain


def test_gcs_keyfile_is_a_secret_upload(run_stack):
    run = run_stack({"selfHosted": {"users": ADMIN, "storage": {"gcs": {"bucket": "registry-data", "keyfile": '{"type": "service_account"}'}}}},
                    secret_keys=SECRET)
    keyfile = uploads(run.one(CONTAINER))[LAYOUT.gcs_keyfile]
    assert keyfile["permissions"] == "0400" and keyfile["content"] == '{"type": "service_account"}'


def test_token_auth_declares_a_hardened_token_server(run_stack):
    run = run_stack({"selfHosted": {"auth": "token", "users": ROLES, "container": {"log": {}}}})
    registry = run.one(CONTAINER, "self-hosted-container")
    auth = run.one(CONTAINER, "self-hosted-auth-container").inputs
    assert auth["name"] == "registry-platform-dev-self-hosted-auth"
    assert auth["capabilities"] == {"drops": ["ALL"]} and auth["securityOpts"] == ["no-new-privileges:true"]
    assert auth["ports"] == [{"internal": 5001, "external": 5001, "ip": "127.0.0.1", "protocol": "tcp"}] or \
        auth["ports"][0]["ip"] == "127.0.0.1"
    assert auth["logDriver"] == "json-file" and auth["restart"] == "unless-stopped"
    assert run.one("docker:index/remoteImage:RemoteImage", "self-hosted-auth-image").inputs["name"] == "cesanta/docker_auth:1.13.0"
    files = {u["file"]: u for u in auth["uploads"]}
    assert {f: u["permissions"] for f, u in files.items()} == {
        AUTH_LAYOUT.config: "0400", AUTH_LAYOUT.certificate: "0444", AUTH_LAYOUT.private_key: "0400",
        AUTH_LAYOUT.token_certificate: "0444", AUTH_LAYOUT.token_key: "0400",
    }
    signing_key = run.one("tls:index/privateKey:PrivateKey", "self-hosted-token-signing-key")
    assert signing_key.inputs["algorithm"] == "RSA" and signing_key.inputs["rsaBits"] == 4096
    assert files[AUTH_LAYOUT.token_key]["content"] == signing_key.outputs["privateKeyPem"]
    assert uploads(registry)[LAYOUT.token_certificate]["content"] == files[AUTH_LAYOUT.token_certificate]["content"]
    assert LAYOUT.htpasswd not in uploads(registry)
    passwords = run.exports["selfHostedUserPasswords"].value
    users = yaml.safe_load(files[AUTH_LAYOUT.config]["content"])["users"]
    for name, password in passwords.items():
        assert bcrypt.checkpw(password.encode(), users[name]["password"].encode())
    public = run.exports["registries"].value["selfHosted"]
    assert public["username"] == "root"
    assert [(i["name"], i["access"], i["type"]) for i in public["identities"]] == [
        ("root", "push", "token-user"), ("dev", "push", "token-user"), ("bot", "pull", "token-user")]
    token = run.exports["selfHosted"].value["tokenAuth"]
    assert token["realm"] == "https://localhost:5001/auth" and token["signingKeyId"] == libtrust_key_id(signing_key.outputs["publicKeyPem"])
    plain = json.dumps(run.exports["registries"].value) + json.dumps(run.exports["selfHosted"].value)
    assert signing_key.outputs["privateKeyPem"] not in plain


def test_switching_htpasswd_to_token_keeps_the_passwords(run_stack, stack_state):
    users = [{"name": "admin"}, {"name": "ci"}]
    first = run_stack({"selfHosted": {"users": users}}, state=stack_state)
    second = run_stack({"selfHosted": {"auth": "token", "users": [{**u, "role": "admin"} for u in users]}}, state=stack_state)
    assert first.exports["selfHostedUserPasswords"].value == second.exports["selfHostedUserPasswords"].value


def test_a_notification_auth_header_is_never_sent_in_clear_text_off_this_machine():
    endpoint = {"name": "audit", "authHeader": {"value": "Bearer t0ken-value"}}
    found = problems({"users": ADMIN, "notifications": {"endpoints": [{**endpoint, "url": "http://events.example.com/e"}]}})
    message = found["selfHosted.notifications.endpoints[0].authHeader"]
    assert "clear text over http://" in message and "t0ken-value" not in message
    for url in ("https://events.example.com/e", "http://127.0.0.1:9000/e", "http://localhost:9000/e"):
        load_stack_settings({"selfHosted": {"users": ADMIN, "notifications": {"endpoints": [{**endpoint, "url": url}]}}})
