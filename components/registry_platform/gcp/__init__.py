"""Google Artifact Registry components (the `[gcp]` extra): `ArtifactRegistry`, `ArtifactRepository`, `GcpCiServiceAccount`.

Import them from `registry_platform` or from their modules; this package itself imports no SDK
(`cleanup` and `documents` are pure renderers).
"""
