"""`status` output: a rich table for people, JSON for machines. Neither ever contains a secret."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .checks import RegistryReport

MARKS = {"ok": ("ok", "green"), "fail": ("FAIL", "bold red"), "skip": ("skip", "dim")}


def failed_checks(reports: list[RegistryReport]) -> list[str]:
    return [name for report in reports for name in report.failed]


def to_json(reports: list[RegistryReport]) -> dict[str, Any]:
    failed = failed_checks(reports)
    return {
        "ok": not failed,
        "failed": failed,
        "registries": {
            report.registry.key: {
                "kind": report.registry.kind,
                "endpoint": report.registry.endpoint,
                "ok": report.ok,
                "checks": {
                    check.name: {"status": check.status, "detail": check.detail, "value": check.value}
                    for check in report.checks
                },
            }
            for report in reports
        },
    }


def render_table(reports: list[RegistryReport], console: Console, title: str) -> None:
    table = Table(title=title)
    table.add_column("registry", no_wrap=True)
    table.add_column("check", no_wrap=True)
    table.add_column("result", no_wrap=True)
    table.add_column("detail")
    for report in reports:
        registry = report.registry
        labels = [Text(registry.key, style="bold"), Text(registry.kind), Text(registry.endpoint, style="dim")]
        for index, check in enumerate(report.checks):
            mark, style = MARKS[check.status]
            # Text, not a markup string: details carry server-controlled text (`[/x]` would not parse).
            label = labels[index] if index < len(labels) else Text("")
            table.add_row(label, check.name, Text(mark, style=style), Text(check.detail), end_section=index == len(report.checks) - 1)
    console.print(table)
    failed = failed_checks(reports)
    if failed:
        console.print(Text(f"{len(failed)} check(s) failed: {', '.join(failed)}", style="bold red"))
    else:
        console.print(Text(f"all {len(reports)} registr{'y' if len(reports) == 1 else 'ies'} healthy", style="green"))
