"""Harbor components (the `[harbor]` extra): `HarborRegistry` and `HarborProject`.

Import them from `registry_platform` or from their modules; this package itself imports no SDK.
"""
