"""`python -m registry_platform <command>`: the ops tools (`status`). Needs the `[ops]` extra."""

try:
    from .ops.cli import app
except ModuleNotFoundError as error:  # pragma: no cover - depends on what is installed
    if error.name in ("typer", "rich", "httpx", "click"):
        raise SystemExit(f"the ops tools need the 'ops' extra: pip install 'registry-platform[ops]' ({error.name} is missing)")
    raise

app(prog_name="python -m registry_platform")
