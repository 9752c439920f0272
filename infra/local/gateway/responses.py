"""aiohttp's responses without the ``Server`` header aiohttp adds: API Gateway adds none.

A ``Server`` the answer already has (an upstream's, a function's own) stays.
"""

from __future__ import annotations

from aiohttp import hdrs, web


class StreamResponse(web.StreamResponse):
    async def _prepare_headers(self) -> None:
        own = hdrs.SERVER in self.headers
        await super()._prepare_headers()
        if not own:
            self.headers.popall(hdrs.SERVER, None)


class Response(web.Response, StreamResponse):
    """``web.Response`` (a whole body) with the header rule above."""
