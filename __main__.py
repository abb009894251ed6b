"""The stack program: stack config -> validated settings -> registries -> outputs.

Outputs (see README, "Outputs"):
  registries           per registry: kind, endpoint, loginServer, username, caCertificatePem (plain)
  registryCredentials  per registry: password, dockerConfigJson (secret)
  dockerConfigJson     one docker config.json for every registry (secret)
  selfHosted           the self-hosted registry's own details; selfHostedUserPasswords (secret)
  aws                  ECR: registryId, loginServer, repositories (url, arn), kmsKeyArn
"""

import pulumi

from registry_platform.platform import RegistryPlatform
from registry_platform.settings import load_stack_settings

settings = load_stack_settings()
platform = RegistryPlatform("registry-platform", settings)

pulumi.export("registries", {key: access.public() for key, access in platform.registries.items()})
pulumi.export("registryCredentials", {key: access.credentials() for key, access in platform.registries.items()})
pulumi.export("dockerConfigJson", platform.docker_config_json)

if platform.self_hosted is not None:
    registry = platform.self_hosted
    pulumi.export(
        "selfHosted",
        {
            "endpoint": registry.endpoint,
            "loginServer": registry.login_server,
            "caCertificatePem": registry.ca_certificate_pem,
            "users": list(settings.self_hosted.user_names),
            "containerName": registry.container_name,
            "volumeName": registry.volume_name,
        },
    )
    pulumi.export("selfHostedUserPasswords", registry.user_passwords)

if platform.ecr is not None:
    ecr = platform.ecr
    pulumi.export(
        "aws",
        {
            "registryId": ecr.registry_id,
            "loginServer": ecr.login_server,
            "repositories": {name: {"url": repo.url, "arn": repo.arn} for name, repo in ecr.repositories.items()},
            "kmsKeyArn": ecr.kms_key_arn,
        },
    )
