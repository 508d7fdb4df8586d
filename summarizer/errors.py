"""The few exceptions newsbot raises on purpose.

Every error a user can cause derives from :class:`NewsbotError`, whose message
is one plain sentence fit to show to that user (on stderr for the CLI, as a
reply in the bot). Anything else is a bug and is logged with its traceback.

    NewsbotError
    ├── BadInput          a missing file, an unknown option value, an empty text
    ├── FetchError
    │   ├── FetchRefused  the URL may not be fetched (scheme, private address, …)
    │   └── FetchFailed   the server could not be reached or answered badly
    └── NotAnArticle      the page or text holds no article to summarize
"""

from __future__ import annotations


class NewsbotError(Exception):
    """Base class; ``str(err)`` is a user-facing sentence."""


class BadInput(NewsbotError):
    """The input given on the command line or in chat cannot be used."""


class FetchError(NewsbotError):
    """Fetching a URL did not give a usable page."""


class FetchRefused(FetchError):
    """The URL was refused before any request was made (or on a redirect)."""


class FetchFailed(FetchError):
    """The request was made but failed: network error, HTTP error, too large, …"""


class NotAnArticle(NewsbotError):
    """The document has no article text worth summarizing."""
