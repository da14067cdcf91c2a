"""The argparse parts of the command line, imported only when a parser is built.

`bnlint [check]` reads ordinary command lines without argparse (``bnlint.cli.parse_check_args``);
argparse is for --help, for the other subcommands, and for wording usage errors.
"""
from __future__ import annotations

import argparse
import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Optional

from bnlint.cli import EXIT_ERROR

SUPPRESS = argparse.SUPPRESS


def _help_width() -> int:
    """The width argparse's help formatter would take, found without ``shutil``: argparse builds a
    formatter for every ``add_argument`` and ``shutil`` brings ``bz2``, ``lzma`` and ``zlib``, about
    4 ms of every start. Same sources as ``shutil.get_terminal_size``: $COLUMNS, the terminal, 80."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return (columns if columns > 0 else 80) - 2


class HelpFormatter(argparse.HelpFormatter):
    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: Optional[int] = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, _help_width() if width is None else width)


class RawDescriptionHelpFormatter(HelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Description and epilog as written (the subcommand list of `bnlint -h`)."""


class Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # usage errors exit 2, like ruff
        self.print_usage(sys.stderr)
        sys.stderr.write(f"bnlint: error: {message}\n")
        raise SystemExit(EXIT_ERROR)
