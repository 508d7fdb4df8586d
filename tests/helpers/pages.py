"""A tiny web server on 127.0.0.1 for tests that fetch pages.

Nothing in the test suite touches the internet: tests that need HTTP start a
:class:`LoopbackServer` with the routes they need and fetch from its base URL.

Usage::

    from tests.helpers.pages import LoopbackServer, page

    async def test_something() -> None:
        routes = {
            "/": page("<html><body>Hello</body></html>"),
            "/feed": page(FEED_XML, content_type="application/rss+xml"),
            "/custom": my_handler,  # any ``async def handler(request) -> web.StreamResponse``
        }
        async with LoopbackServer(routes) as server:
            url = server.url("/")            # "http://127.0.0.1:<port>/"
            ...
            assert server.requests[0].path == "/"
            assert server.requests[0].headers["User-Agent"].startswith("newsbot/")

* Routes map a path to an aiohttp handler; every HTTP method is routed to it.
  Unknown paths answer 404.
* :func:`page` builds a handler that answers a fixed body (``str`` bodies are
  encoded with ``charset``; ``bytes`` are sent as they are, and then
  ``content_type`` is sent verbatim, so put a charset in it yourself if wanted).
* :func:`redirect` builds a handler that answers a redirect.
* ``server.requests`` records every request received (method, path, query
  string and headers), in order, including those answered 404.
* Handlers are cancelled when their client disconnects, so a handler that
  sleeps to play a slow server ends when the client gives up.
* The server listens on a free port chosen by the OS; ``server.base_url`` has
  no trailing slash. It is stopped when the ``async with`` block ends.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import TracebackType

from aiohttp import web
from multidict import CIMultiDict

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class SeenRequest:
    """What the server saw of one request."""

    method: str
    path: str
    query_string: str
    headers: CIMultiDict[str]


def page(
    body: str | bytes,
    *,
    content_type: str = "text/html",
    charset: str = "utf-8",
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Handler:
    """A handler answering ``body`` with the given type, status and extra headers."""
    if isinstance(body, str):
        data = body.encode(charset)
        full_type = f"{content_type}; charset={charset}"
    else:
        data = body
        full_type = content_type

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.Response(body=data, status=status, headers=headers)
        response.headers["Content-Type"] = full_type
        return response

    return handler


def redirect(location: str, *, status: int = 302) -> Handler:
    """A handler answering a redirect to ``location`` (sent verbatim)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, headers={"Location": location})

    return handler


class LoopbackServer:
    """Serve ``routes`` on 127.0.0.1 on a free port while the ``async with`` lasts."""

    def __init__(self, routes: Mapping[str, Handler]) -> None:
        self.routes = dict(routes)
        self.requests: list[SeenRequest] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        """The absolute URL of ``path`` on this server."""
        return self.base_url + path

    @web.middleware
    async def _record(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests.append(
            SeenRequest(
                request.method, request.path, request.query_string, CIMultiDict(request.headers)
            )
        )
        return await handler(request)

    async def __aenter__(self) -> LoopbackServer:
        app = web.Application(middlewares=[self._record])
        for path, handler in self.routes.items():
            app.router.add_route("*", path, handler)
        # handler_cancellation: a handler whose client went away (a client-side
        # timeout, say) is cancelled, so slow handlers do not delay the cleanup.
        self._runner = web.AppRunner(
            app,
            handle_signals=False,
            access_log=None,
            handler_cancellation=True,
            shutdown_timeout=2.0,
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        address = self._runner.addresses[0]
        self.port = int(address[1])
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
