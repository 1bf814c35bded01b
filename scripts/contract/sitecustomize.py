"""Loaded by the contract venv's Python at start-up (scripts/contract.sh copies it there).

Python 3.11 before 3.11.8 keeps the AST converter's recursion depth in shared state, so two
threads turning source into an AST at once can fail with "AST constructor recursion depth
mismatch". schemathesis runs two workers, and hypothesis parses module sources to describe its
lambdas: that crashed the coverage phase at random operations. Parsing one thread at a time
avoids it.
"""

import ast
import threading

_lock = threading.RLock()
_parse = ast.parse


def _parse_one_at_a_time(*args, **kwargs):
    with _lock:
        return _parse(*args, **kwargs)


ast.parse = _parse_one_at_a_time
