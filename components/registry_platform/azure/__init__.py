"""Azure Container Registry components (the `[azure]` extra): `AcrRegistry`, and `AcrTokenPassword` (a dynamic
resource that generates a token password through the ACR API).

Import them from `registry_platform` or from their modules; this package itself imports no SDK.
"""
