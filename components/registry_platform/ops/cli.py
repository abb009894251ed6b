"""The command line of the ops tools: `python -m registry_platform status ...` (needs the `[ops]` extra)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from .status.checks import CheckOptions, check_registries
from .status.outputs import OutputsError, load_outputs, registries_from_outputs
from .status.report import failed_checks, render_table, to_json

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

app = typer.Typer(
    name="registry_platform",
    help="Ops tools for the registries of a registry-platform stack.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """Ops tools for the registries of a registry-platform stack."""


@app.command()
def status(
    stack: Annotated[Optional[str], typer.Option("--stack", "-s", help="Read outputs with `pulumi stack output --json --show-secrets --stack STACK`.")] = None,
    outputs: Annotated[Optional[Path], typer.Option("--outputs", "-o", help="Read outputs from this JSON file instead ('-' for stdin).")] = None,
    cwd: Annotated[Optional[Path], typer.Option("--cwd", "-C", help="Run pulumi in this project directory.")] = None,
    registry: Annotated[Optional[list[str]], typer.Option("--registry", "-r", help="Check only this registry key (repeatable).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON report instead of a table.")] = False,
    timeout: Annotated[float, typer.Option(min=0.1, max=120, help="Seconds for each connect, handshake and request.")] = 5.0,
    min_certificate_days: Annotated[int, typer.Option(min=0, help="Fail when a TLS certificate expires sooner.")] = 30,
) -> None:
    """Check every registry of a stack: HTTPS with the stack's CA, /v2/, credentials, catalog, certificate expiry, debug health and metrics. Exit 1 when a check fails, 2 when the outputs cannot be read."""
    errors = Console(stderr=True, soft_wrap=True)
    if (stack is None) == (outputs is None):
        errors.print("status: give exactly one of --stack NAME or --outputs FILE")
        raise typer.Exit(EXIT_USAGE)
    try:
        registries = registries_from_outputs(load_outputs(stack=stack, file=outputs, cwd=cwd, timeout=60.0))
    except OutputsError as error:
        errors.print(f"status: {error}", markup=False, highlight=False)
        raise typer.Exit(EXIT_USAGE) from None
    if registry:
        unknown = sorted(set(registry) - {r.key for r in registries})
        if unknown:
            errors.print(f"status: no registry {', '.join(unknown)} in the outputs (have {', '.join(r.key for r in registries)})")
            raise typer.Exit(EXIT_USAGE)
        registries = [r for r in registries if r.key in registry]

    reports = check_registries(registries, CheckOptions(timeout=timeout, min_certificate_days=min_certificate_days))
    failed = failed_checks(reports)
    if as_json:
        sys.stdout.write(json.dumps(to_json(reports), indent=2) + "\n")
        if failed:
            errors.print(f"status: failed checks: {', '.join(failed)}", markup=False, highlight=False)
    else:
        source = f"stack {stack}" if stack else str(outputs)
        render_table(reports, Console(), title=f"registries of {source}")
    raise typer.Exit(EXIT_FAILED if failed else EXIT_OK)


@app.command()
def gc(
    container: Annotated[Optional[str], typer.Option("--container", "-c", help="The registry container (stack output selfHosted.containerName).")] = None,
    stack: Annotated[Optional[str], typer.Option("--stack", "-s", help="Take the container name from this stack's outputs.")] = None,
    outputs: Annotated[Optional[Path], typer.Option("--outputs", "-o", help="Take it from this outputs JSON file instead.")] = None,
    cwd: Annotated[Optional[Path], typer.Option("--cwd", "-C", help="Run pulumi in this project directory.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only report what would be deleted (the registry stays up).")] = False,
    delete_untagged: Annotated[bool, typer.Option("--delete-untagged", help="Also delete manifests no tag points at.")] = False,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds the collection may take.")] = 3600,
    health_timeout: Annotated[float, typer.Option(min=1, help="Seconds to wait for healthy after the restart.")] = 180,
    show_output: Annotated[bool, typer.Option("--show-output", help="Print garbage-collect's own output.")] = False,
) -> None:
    """Garbage-collect the self-hosted registry safely: stop it, run `garbage-collect` as a one-off container on its volume with its own config, start it again (needs the `[maintenance]` extra and DOCKER_HOST of the registry's engine)."""
    from ..selfhosted import maintenance

    errors = Console(stderr=True, soft_wrap=True)
    if sum(value is not None for value in (container, stack, outputs)) != 1:
        errors.print("gc: give exactly one of --container NAME, --stack NAME or --outputs FILE")
        raise typer.Exit(EXIT_USAGE)
    if container is None:
        try:
            details = load_outputs(stack=stack, file=outputs, cwd=cwd, timeout=60.0).get("selfHosted") or {}
        except OutputsError as error:
            errors.print(f"gc: {error}", markup=False, highlight=False)
            raise typer.Exit(EXIT_USAGE) from None
        container = details.get("containerName")
        if not container:
            errors.print("gc: the outputs have no selfHosted.containerName (is the self-hosted registry in this stack?)")
            raise typer.Exit(EXIT_USAGE)
    argv = ["gc", "--container", container, "--timeout", str(timeout), "--health-timeout", str(health_timeout)]
    argv += [flag for flag, on in (("--dry-run", dry_run), ("--delete-untagged", delete_untagged), ("--show-output", show_output)) if on]
    raise typer.Exit(maintenance.main(argv))
