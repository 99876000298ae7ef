"""One exception tree for the application.

Every expected failure raises a subclass of :class:`MacrobriefError`. The CLI turns it into
one readable line on stderr and the exit code of its class; anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

__all__ = [
    "MacrobriefError",
    "ConfigError",
    "DataError",
    "RenderError",
    "PublishError",
    "MailError",
]


class MacrobriefError(Exception):
    """Root of every expected failure. ``exit_code`` is what the CLI returns."""

    exit_code = 1


class ConfigError(MacrobriefError):
    """A configuration file, option or threshold is invalid (names the key and the reason)."""

    exit_code = 2


class DataError(MacrobriefError):
    """Input data is missing, malformed or could not be fetched (names file/series/line)."""

    exit_code = 3


class RenderError(MacrobriefError):
    """A template, chart or document could not be produced."""

    exit_code = 4


class PublishError(MacrobriefError):
    """An edition could not be published, verified or rebuilt; nothing stored was changed."""

    exit_code = 5


class MailError(MacrobriefError):
    """An edition could not be mailed (configuration, recipients or SMTP)."""

    exit_code = 6
