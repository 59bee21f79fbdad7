"""``python -m sim`` is the ``commune-sim`` command."""
from .cli import entry

entry()
