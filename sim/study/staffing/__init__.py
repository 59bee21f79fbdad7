"""Staffing decisions: the fewest staff per commune that meet targets, and the best spread of a
fixed number of positions (``commune-sim staff``; see :mod:`sim.commands.staff`)."""
