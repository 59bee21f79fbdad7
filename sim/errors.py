"""Errors every layer may raise and the command line turns into exit codes.

``UsageError`` is a bad command line or output path (exit 2). Bad scenario content is
``sim.scenario.loading.ScenarioError`` (exit 2, every problem located). This module imports
nothing, so any module can raise these without depending on the command line.
"""


class UsageError(Exception):
    """The command line asks for something that cannot be done (exit code 2)."""
