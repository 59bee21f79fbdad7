"""The commands of ``commune-sim``, one module per group, each imported only when it runs.

``sim/cli.py`` is the parser and nothing else; a handler here turns the parsed options into calls
of the studies and calibration below it, prints what the user reads and returns the exit code
(0 success, 1 a run that failed, 2 bad input or usage).
"""
