"""The pure renderers: registry config.yml, htpasswd entries, docker config.json."""

from __future__ import annotations

import base64
import json

import bcrypt
import pytest
import yaml

from registry_platform.access import render_docker_config
from registry_platform.selfhosted import LAYOUT, render_registry_config
from registry_platform.selfhosted.htpasswd import bcrypt_salt, htpasswd_entry, render_htpasswd
from registry_platform.settings import SelfHostedRegistryArgs

SALT = base64.b64encode(bytes(range(16))).decode()


def render(**settings) -> dict:
    args = SelfHostedRegistryArgs(users=[{"name": "admin"}], **settings)
    return yaml.safe_load(render_registry_config(args, http_secret="s3cret"))


def test_default_config_is_complete_and_hardened():
    config = render()
    assert config["version"] == "0.1"
    assert config["log"] == {
        "level": "info",
        "formatter": "text",
        "accesslog": {"disabled": False},
        "fields": {"service": "registry"},
    }
    storage = config["storage"]
    assert storage["filesystem"] == {"rootdirectory": LAYOUT.data}
    assert storage["delete"] == {"enabled": False}
    assert storage["cache"] == {"blobdescriptor": "inmemory"}
    assert storage["maintenance"] == {
        "uploadpurging": {"enabled": True, "age": "168h", "interval": "24h", "dryrun": False},
        "readonly": {"enabled": False},
    }
    http = config["http"]
    assert http["addr"] == ":5000"
    assert http["secret"] == "s3cret"
    assert http["tls"] == {"certificate": LAYOUT.certificate, "key": LAYOUT.private_key, "minimumtls": "tls1.2"}
    assert http["headers"] == {"X-Content-Type-Options": ["nosniff"]}
    assert http["debug"] == {"addr": "127.0.0.1:5001"}
    assert config["auth"] == {"htpasswd": {"realm": "registry-platform", "path": LAYOUT.htpasswd}}
    assert config["health"] == {"storagedriver": {"enabled": True, "interval": "10s", "threshold": 3}}
    assert "proxy" not in config and "notifications" not in config


def test_settings_reach_the_config():
    config = render(
        log={"level": "debug", "formatter": "json", "accessLog": False, "fields": {"env": "dev"}},
        storage={"deleteEnabled": True, "blobDescriptorCache": "none", "readOnly": True,
                 "uploadPurging": {"enabled": False, "age": "72h", "interval": "12h", "dryRun": True}},
        http={"headers": {"X-Frame-Options": ["DENY"]}, "http2Disabled": True,
              "cors": {"allowOrigin": "https://ui.example.com"}},
        debug={"port": 5002, "prometheus": True, "publish": True},
        health={"storageDriverCheck": False, "interval": "30s", "threshold": 5},
        tls={"minimumVersion": "tls1.3"},
    )
    assert config["log"]["level"] == "debug" and config["log"]["formatter"] == "json"
    assert config["log"]["accesslog"] == {"disabled": True}
    assert config["log"]["fields"] == {"service": "registry", "env": "dev"}
    assert config["storage"]["delete"] == {"enabled": True}
    assert "cache" not in config["storage"]
    assert config["storage"]["maintenance"]["readonly"] == {"enabled": True}
    assert config["storage"]["maintenance"]["uploadpurging"] == {
        "enabled": False, "age": "72h", "interval": "12h", "dryrun": True}
    headers = config["http"]["headers"]
    assert headers["X-Content-Type-Options"] == ["nosniff"]
    assert headers["X-Frame-Options"] == ["DENY"]
    assert headers["Access-Control-Allow-Origin"] == ["https://ui.example.com"]
    assert headers["Access-Control-Allow-Methods"] == ["HEAD", "GET", "OPTIONS", "DELETE"]
    assert headers["Access-Control-Allow-Headers"] == ["Authorization", "Accept", "Cache-Control"]
    assert headers["Access-Control-Expose-Headers"] == ["Docker-Content-Digest"]
    assert headers["Access-Control-Allow-Credentials"] == ["true"]
    assert list(headers)[-1] == "X-Content-Type-Options"
    assert config["http"]["http2"] == {"disabled": True}
    assert config["http"]["debug"] == {"addr": "0.0.0.0:5002", "prometheus": {"enabled": True, "path": "/metrics"}}
    assert config["health"]["storagedriver"] == {"enabled": False, "interval": "30s", "threshold": 5}
    assert config["http"]["tls"]["minimumtls"] == "tls1.3"


def test_no_auth_and_no_tls_sections_when_switched_off():
    args = SelfHostedRegistryArgs(auth="none", tls={"mode": "disabled"}, http={"cors": {"allowOrigin": "http://ui:8080"}})
    config = yaml.safe_load(render_registry_config(args, http_secret="x"))
    assert "auth" not in config and "tls" not in config["http"]
    assert "Access-Control-Allow-Credentials" not in config["http"]["headers"]


def test_render_is_pure_and_needs_a_secret():
    args = SelfHostedRegistryArgs(users=[{"name": "admin"}])
    assert render_registry_config(args, http_secret="a") == render_registry_config(args, http_secret="a")
    with pytest.raises(ValueError, match="http_secret must be set"):
        render_registry_config(args, http_secret="")


def test_htpasswd_entry_is_bcrypt_verifiable_and_stable():
    entry = htpasswd_entry("admin", "pa55word-pa55word", SALT, 10)
    user, hashed = entry.split(":", 1)
    assert user == "admin"
    assert hashed.startswith("$2b$10$")
    assert bcrypt.checkpw(b"pa55word-pa55word", hashed.encode())
    assert not bcrypt.checkpw(b"wrong", hashed.encode())
    assert entry == htpasswd_entry("admin", "pa55word-pa55word", SALT, 10)
    other_salt = base64.b64encode(bytes(range(1, 17))).decode()
    assert entry != htpasswd_entry("admin", "pa55word-pa55word", other_salt, 10)


def test_bcrypt_salt_matches_bcrypts_own_encoding():
    raw = bytes(range(16))
    salt = bcrypt_salt(raw, 12)
    assert salt.startswith(b"$2b$12$") and len(salt) == 29
    # bcrypt accepts it and keeps it verbatim in the hash.
    assert bcrypt.hashpw(b"x", salt).startswith(salt)
    with pytest.raises(ValueError, match="exactly 16 bytes"):
        bcrypt_salt(b"short", 10)


def test_render_htpasswd_one_line_per_user():
    assert render_htpasswd(["a:1", "b:2"]) == "a:1\nb:2\n"


def test_docker_config_json():
    document = json.loads(render_docker_config({"localhost:5000": ("admin", "pw"), "other:443": (None, None)}))
    assert document == {
        "auths": {
            "localhost:5000": {"auth": base64.b64encode(b"admin:pw").decode()},
            "other:443": {},
        }
    }
