"""The library as a team installs it: build the wheel, install it into a fresh virtualenv outside the
checkout, and run a consumer's own Pulumi program under mocks from a project that has its own
`components/` package (the name Pulumi's docs suggest for local components).

One virtualenv serves both installs: first the base wheel (the self-hosted registry must work and
pulumi-aws must be absent), then the same wheel with `[aws]` (the ECR components appear).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from tests.support.harness import ROOT

pytestmark = pytest.mark.packaging

CONSUMER_MOCKS = '''
import json, sys
import pulumi

class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args):
        outputs = dict(args.inputs)
        if args.typ == "docker:index/remoteImage:RemoteImage":
            outputs["imageId"] = "sha256:" + "ab" * 32
        if args.typ == "aws:ecr/repository:Repository":
            outputs["repositoryUrl"] = "123456789012.dkr.ecr.us-east-1.amazonaws.com/" + args.inputs["name"]
            outputs["arn"] = "arn:aws:ecr:us-east-1:123456789012:repository/" + args.inputs["name"]
        if args.typ == "aws:iam/role:Role":
            outputs["arn"] = "arn:aws:iam::123456789012:role/" + args.name
        if args.typ == "tls:index/privateKey:PrivateKey":
            outputs["privateKeyPem"] = "-----BEGIN PRIVATE KEY-----\\nfake\\n-----END PRIVATE KEY-----\\n"
        if args.typ in ("tls:index/selfSignedCert:SelfSignedCert", "tls:index/locallySignedCert:LocallySignedCert"):
            outputs["certPem"] = "-----BEGIN CERTIFICATE-----\\nfake\\n-----END CERTIFICATE-----\\n"
        if args.typ == "tls:index/certRequest:CertRequest":
            outputs["certRequestPem"] = "csr"
        if args.typ == "random:index/randomPassword:RandomPassword":
            outputs["result"] = "p" * int(args.inputs["length"])
        if args.typ == "random:index/randomBytes:RandomBytes":
            outputs["base64"] = "AAAAAAAAAAAAAAAAAAAAAA=="
        return args.name + "-id", outputs

    def call(self, args):
        return {
            "aws:index/getCallerIdentity:getCallerIdentity": {"accountId": "123456789012", "arn": "a", "userId": "u", "id": "i"},
            "aws:index/getRegion:getRegion": {"region": "us-east-1", "name": "us-east-1", "id": "us-east-1"},
            "aws:index/getPartition:getPartition": {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"},
        }[args.token]

pulumi.runtime.set_mocks(Mocks(), project="team-project", stack="dev", preview=False)
'''

SELF_HOSTED_PROGRAM = CONSUMER_MOCKS + '''
import components                              # the team's own local components package
from components.naming import registry_name
from registry_platform import SelfHostedRegistry, SelfHostedRegistryArgs

@pulumi.runtime.test
def check():
    registry = SelfHostedRegistry(registry_name(), SelfHostedRegistryArgs(port=5443, users=[{"name": "ci"}]))
    return pulumi.Output.all(registry.access.login_server, registry.access.login_command).apply(
        lambda values: print(json.dumps({"loginServer": values[0], "loginCommand": values[1],
                                         "team": components.__file__, "aws": "pulumi_aws" in sys.modules})))

check()
'''

ECR_PROGRAM = CONSUMER_MOCKS + '''
from components.naming import registry_name
from registry_platform import EcrRegistry, EcrRepository

@pulumi.runtime.test
def check():
    registry = EcrRegistry(registry_name(), {"repositories": [{"name": "team/api"}]})
    standalone = EcrRepository("worker", {"name": "team/worker"})
    return pulumi.Output.all(registry.repositories["team/api"].url, standalone.url).apply(
        lambda urls: print(json.dumps({"urls": urls})))

check()
'''

MISSING_EXTRA_PROGRAM = '''
import json
try:
    from registry_platform import EcrRegistry
except ImportError as error:
    print(json.dumps({"error": str(error)}))
'''


def run(*command: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


SOURCE_IGNORED = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Built from a copy of the checkout, so neither a stale `build/` nor an egg-info of an editable
    install leaks into the wheel, and the build writes nothing into the checkout."""
    source = tmp_path_factory.mktemp("source") / "registry-platform"
    shutil.copytree(ROOT, source, ignore=SOURCE_IGNORED)
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(source), cwd=out)
    (built,) = out.glob("registry_platform-*.whl")
    return built


def test_the_wheel_holds_every_module_and_the_type_marker(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    sources = {
        "registry_platform/" + str(path.relative_to(ROOT / "components" / "registry_platform"))
        for path in (ROOT / "components" / "registry_platform").rglob("*.py")
    }
    assert sources <= names, sources - names
    assert "registry_platform/py.typed" in names
    assert not [n for n in names if n.startswith(("components/", "tests/"))]
    metadata = next(n for n in names if n.endswith("METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "Provides-Extra: aws" in text and "Provides-Extra: all" in text
    assert "Requires-Dist: pulumi-aws" in text and "extra == \"aws\"" in text


def test_a_consumer_installs_the_wheel_with_and_without_aws(wheel, tmp_path):
    venv = tmp_path / "venv"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    run(sys.executable, "-m", "venv", str(venv), cwd=tmp_path, env=env)
    python = str(venv / "bin" / "python")
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]

    consumer = tmp_path / "team-project"
    (consumer / "components").mkdir(parents=True)
    (consumer / "components" / "__init__.py").write_text('"""The team\'s own components."""\n')
    (consumer / "components" / "naming.py").write_text("def registry_name():\n    return 'team-registry'\n")
    for name, program in {"self_hosted.py": SELF_HOSTED_PROGRAM, "ecr.py": ECR_PROGRAM,
                          "missing.py": MISSING_EXTRA_PROGRAM}.items():
        (consumer / name).write_text(textwrap.dedent(program))

    run(*pip, str(wheel), cwd=tmp_path, env=env)
    modules = run(python, "-c", "import importlib.util as u; print(u.find_spec('pulumi_aws') is None)", cwd=consumer, env=env)
    assert modules.stdout.strip() == "True", "the base install must not pull in pulumi-aws"
    result = json.loads(run(python, "self_hosted.py", cwd=consumer, env=env).stdout.strip().splitlines()[-1])
    assert result["loginServer"] == "localhost:5443"
    assert result["loginCommand"] == "docker login localhost:5443 --username ci --password-stdin"
    assert result["team"] == str(consumer / "components" / "__init__.py")
    assert result["aws"] is False
    missing = json.loads(run(python, "missing.py", cwd=consumer, env=env).stdout)
    assert "pip install 'registry-platform[aws]'" in missing["error"]

    run(*pip, f"{wheel}[aws]", cwd=tmp_path, env=env)
    urls = json.loads(run(python, "ecr.py", cwd=consumer, env=env).stdout.strip().splitlines()[-1])["urls"]
    assert urls == ["123456789012.dkr.ecr.us-east-1.amazonaws.com/team/api",
                    "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/worker"]
    location = run(python, "-c", "import registry_platform; print(registry_platform.__file__)", cwd=consumer, env=env)
    assert str(venv) in location.stdout and str(ROOT) not in location.stdout
