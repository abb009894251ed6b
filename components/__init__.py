"""registry-platform: container registries as code (self-hosted registry:2, and the clouds' registries)."""
