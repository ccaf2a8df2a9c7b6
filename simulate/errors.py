"""The one exception family for user errors.

Everything a user can get wrong (a bad scenario file, a bad option) raises a
:class:`RacecallError`; the command line turns it into one line on stderr and
exit status 2.  Anything else escaping is a bug in racecall.
"""

from __future__ import annotations


class RacecallError(Exception):
    """A user error: bad input, not a bug."""


class ScenarioError(RacecallError):
    """A scenario file that cannot be used.

    Parameters
    ----------
    source : str
        The file (or a description of where the data came from).
    path : str
        Dotted path to the offending field, e.g. ``count.counted.rossi``;
        empty when the problem is the whole document.
    message : str
        What is wrong, in plain words.
    """

    def __init__(self, source: str, path: str, message: str):
        self.source = source
        self.path = path
        self.message = message
        where = f"{source}: {path}: " if path else f"{source}: "
        super().__init__(where + message)


class ScenarioWarning(UserWarning):
    """Something in a scenario that is used as given but deserves a word (the command line
    prints it as one ``racecall: warning: ...`` line on stderr)."""
