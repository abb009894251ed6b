"""The floor program as a Pulumi program file: run with runpy like `__main__.py`, so that both carry
the same interpreter frames (the SDK records a stack trace per registration)."""

import json
import os

from bench import _mockrun

_mockrun.floor_program(json.loads(open(os.environ["BENCH_FLOOR_RECORDS"]).read()))()
