"""The command line: ``main(argv) -> int`` and one thin module per command.

Each command parses its arguments and calls the library functions a notebook
user would call the same way; user errors become exit status 2 and one line.
Nothing outside this package imports it.
"""

from .main import main

__all__ = ["main"]
