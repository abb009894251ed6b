"""Ops tools built on a stack's registry outputs.

- `publish`: `RegistryPublisher`, a component that builds one image and pushes it to every registry
  of a stack (needs the `[publish]` extra: pulumi-docker-build).
- `status`: `python -m registry_platform status`, a health report of every registry of a stack
  (needs the `[ops]` extra: httpx, rich, typer).

Nothing is imported here, so importing one tool never pulls in the other's dependencies.
"""
