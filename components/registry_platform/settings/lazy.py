"""Names of a package that live in one of its modules, imported on first use (PEP 562).

The `aws` and `gcp` settings packages re-export their section models from `section` this way, so a
stack that only uses their `formats` or `lifecycle` modules (the cache settings do) never builds them.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any, Callable


def lazy_names(package: str, module: str, names: list[str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """`(__getattr__, __dir__)` for `package`: a name of `names` is read from `module` (relative to the
    package) on first use and kept in the package, so later reads are plain attribute reads."""

    def __getattr__(name: str) -> Any:
        if name.startswith("__") or name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(names))

    return __getattr__, __dir__
