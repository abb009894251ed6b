"""Run the stack program (`__main__.py`) under mocks, as `pulumi up` would, and record what it did.

Each run gets a fresh event loop and a fresh mock runtime; leftover tasks are cancelled afterwards,
so one run cannot leak into the next.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import runpy
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pulumi
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.stack import run_pulumi_func

from .mocks import RealisticMocks, Registration, StackState

PROJECT = "registry-platform"
ROOT = Path(__file__).resolve().parents[2]
MAIN = ROOT / "__main__.py"


class RecordingMonitor(MockMonitor):
    """A mock monitor that also keeps each registration's parent URN and resource options."""

    def __init__(self, mocks: RealisticMocks):
        super().__init__(mocks)
        self.requests: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        with self._lock:
            self.requests[(request.type, request.name)] = (request, response.urn)
        return response


@dataclass
class Export:
    value: Any
    secret: bool
    known: bool


@dataclass
class StackRun:
    """What one run of the program registered and exported."""

    resources: list[Registration]
    exports: dict[str, Export]
    mocks: RealisticMocks
    error: BaseException | None = None
    urns: dict[str, Registration] = field(default_factory=dict)

    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str, name: str | None = None) -> Registration:
        found = [r for r in self.of_type(type_) if name is None or r.name == name]
        assert len(found) == 1, f"expected one {type_} {name or ''}, found {[r.name for r in found]}"
        return found[0]

    def parent_of(self, registration: Registration) -> Registration | None:
        return self.urns.get(registration.parent) if registration.parent else None


def config_entries(config: dict[str, Any]) -> dict[str, str]:
    """Stack config as the engine passes it: `project:key` -> JSON text for objects, text otherwise.
    A key that names its namespace already (`aws:profile`) is passed as it is."""
    return {
        (key if ":" in key else f"{PROJECT}:{key}"): value if isinstance(value, str) else json.dumps(value)
        for key, value in config.items()
    }


@contextlib.contextmanager
def stack_config(config: dict[str, Any], secret_keys: list[str] | None = None, *, language_host: bool = False):
    """Hand the stack config to the program as Pulumi would, and take it back afterwards.

    By default as an Automation API inline program (or a mock) gets it: `set_all_config` only. With
    `language_host`, as `pulumi up` does: the Python language host puts every key in `PULUMI_CONFIG`
    (and the secret ones in `PULUMI_CONFIG_SECRET_KEYS`), then calls `set_all_config` from them.
    """
    entries = config_entries(config)
    saved = {name: os.environ.get(name) for name in ("PULUMI_CONFIG", "PULUMI_CONFIG_SECRET_KEYS")}
    try:
        if language_host:
            os.environ["PULUMI_CONFIG"] = json.dumps(entries)
            os.environ["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(secret_keys or [])
            pulumi.runtime.set_all_config(pulumi.runtime.get_config_env(), pulumi.runtime.get_config_secret_keys_env())
        else:
            pulumi.runtime.set_all_config(entries, secret_keys or [])
        yield
    finally:
        pulumi.runtime.set_all_config({}, [])
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_program(
    config: dict[str, Any],
    *,
    state: StackState | None = None,
    calls: dict[str, Any] | None = None,
    stack: str = "dev",
    secret_keys: list[str] | None = None,
    expect_error: bool = False,
    language_host: bool = False,
) -> StackRun:
    """Run `__main__.py` for this stack config.

    An exception from the program is raised again, unless `expect_error`: then it is kept in
    `StackRun.error` beside whatever was registered before it. `language_host` passes the config
    as `pulumi up` does (see `stack_config`).
    """
    return run_under_mocks(
        lambda: runpy.run_path(str(MAIN), run_name="__main__"),
        config=config,
        state=state,
        calls=calls,
        stack=stack,
        secret_keys=secret_keys,
        expect_error=expect_error,
        language_host=language_host,
    )


def run_under_mocks(
    program: Callable[[], Any],
    *,
    config: dict[str, Any] | None = None,
    state: StackState | None = None,
    calls: dict[str, Any] | None = None,
    stack: str = "dev",
    secret_keys: list[str] | None = None,
    expect_error: bool = False,
    language_host: bool = False,
) -> StackRun:
    """Run `program` (which declares resources and calls `pulumi.export`) as a Pulumi program would run.

    Exports are awaited, with their secret and known flags, before the run ends.
    """
    mocks = RealisticMocks(state=state, calls=calls)
    monitor = RecordingMonitor(mocks)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    exports: dict[str, Any] = {}
    resolved: dict[str, Export] = {}
    original_export = pulumi.export
    configured = contextlib.ExitStack()
    configured.enter_context(stack_config(config or {}, secret_keys, language_host=language_host))
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor)

    async def body():
        program()
        for name, value in exports.items():
            output = pulumi.Output.from_input(value)
            resolved[name] = Export(await output.future(), await output.is_secret(), await output.is_known())

    pulumi.export = lambda name, value: exports.__setitem__(name, value)
    error: BaseException | None = None
    try:
        loop.run_until_complete(run_pulumi_func(body))
    except Exception as exc:  # noqa: BLE001 handed back to the caller below
        error = exc
    finally:
        pulumi.export = original_export
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()
        asyncio.set_event_loop(None)
        configured.close()

    if error is not None and not expect_error:
        raise error
    if expect_error and error is None:
        raise AssertionError("the program was expected to fail, but it succeeded")
    run = StackRun(resources=list(mocks.registrations), exports=resolved, mocks=mocks, error=error)
    for registration in run.resources:
        request, urn = monitor.requests[(registration.type, registration.name)]
        registration.parent = request.parent or None
        registration.urn = urn
        registration.request = request
        run.urns[urn] = registration
    return run
