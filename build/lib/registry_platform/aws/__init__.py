"""AWS ECR components (the `[aws]` extra): `EcrRegistry`, `EcrRepository`, `EcrRegistrySettings`, `EcrCiRole`.

Import them from `registry_platform` or from their modules; this package itself imports no SDK.
"""
