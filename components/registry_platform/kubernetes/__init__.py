"""The highly available registry on Kubernetes (needs the `[kubernetes]` extra: pulumi-kubernetes)."""
