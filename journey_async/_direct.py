"""Requests built and sent without `httpx.AsyncClient`'s per-request machinery.

The client owns retries, auth and redirects (it follows none), so for a client-owned
`httpx.AsyncClient` the send path skips what `AsyncClient.build_request` and `AsyncClient.send`
would add to every request (figures: benchmarks/RESULTS.md, 2026-11-28 "Speed"):

* `build_request` merges the client's URL, headers, cookies, params and timeout into a new
  `httpx.Request`, parsing the whole URL again (about 30 us of its 90 us on the benchmark
  machine). `Direct.build` gives the same request, headers in the same order, from the parts
  it computed once: the base URL's parsed form, the client's default headers merged with the
  operation's, the `Host` header and the timeout extension.
* `send` runs the auth flow, the redirect check, the event hooks and the cookie jar
  (`extract_cookies` alone was about 100 us a call, for a bearer-token API that sets no
  cookies). `Direct.send` hands the request straight to the client's transport (its mounts
  and proxies respected) and sets what `send` would have set on the response: its request.

A caller-owned `http_client` keeps the full `build_request` and `send`: its auth, cookies,
event hooks and base URL are the caller's to rely on.
"""

from __future__ import annotations

import re

import httpx

__all__ = ["Direct", "HeaderItem", "attach_request", "prebuilt_headers"]

HeaderItem = tuple[bytes, bytes, bytes]
"""One header as `httpx.Headers` keeps it: `(name, lowercased name, value)`, encoded."""

_NO_CONTENT: HeaderItem = (b"Content-Length", b"content-length", b"0")

_ENCODED = re.compile(r"(?:[A-Za-z0-9\-._~/+=&]|%[0-9A-Fa-f]{2})*")
"""What `quote(..., safe="")` path segments and `urlencode` queries are made of: already in
the form httpx's URL parser would give them, so they need no parsing."""


class Direct:
    """Builds and sends the requests of one client-owned `httpx.AsyncClient`."""

    def __init__(self, http: httpx.AsyncClient, base_url: str) -> None:
        self._http = http
        base = httpx.URL(base_url)
        self._base = base
        self._base_url = base_url
        self._base_path = base.raw_path.decode("ascii").split("?", 1)[0].rstrip("/")
        self._timeout = http.timeout.as_dict()
        self._headers: dict[tuple[tuple[str, str], ...], list[HeaderItem]] = {}
        self._host: HeaderItem = (b"Host", b"host", base.netloc)

    def url(self, url: str) -> httpx.URL:
        """`httpx.URL(url)`, without parsing an already-encoded target under the base URL."""
        base_url = self._base_url
        if url.startswith(base_url):
            target = url[len(base_url) :]
            path, _, query = target.partition("?")
            if (
                path.startswith("/")
                and _ENCODED.fullmatch(path)
                and (not query or _ENCODED.fullmatch(query))
            ):
                built = httpx.URL.__new__(httpx.URL)
                built._uri_reference = self._base._uri_reference._replace(
                    path=self._base_path + path, query=query or None, fragment=None
                )
                return built
        return httpx.URL(url)

    def headers(self, headers: dict[str, str]) -> list[HeaderItem]:
        """The client's default headers, then `headers` over them (merged once per dict), as
        httpx keeps them: `(name, lowercased name, value)`, already normalized."""
        key = tuple(headers.items())
        merged = self._headers.get(key)
        if merged is None:
            combined = httpx.Headers(self._http.headers)
            combined.update(headers)
            merged = combined._list
            if len(self._headers) < 64:  # the operations' two dicts and the token request's
                self._headers[key] = merged
        return merged

    def build(
        self, method: str, url: str, headers: dict[str, str], content: bytes | None
    ) -> httpx.Request:
        """What `http.build_request(method, url, headers=headers, content=content)` returns:
        the same URL, the same headers in the same order, the same body and timeout.

        The headers are handed over prebuilt (`prebuilt_headers`): httpx would otherwise
        encode and lowercase each name and value again on every request."""
        parsed = self.url(url)
        netloc = parsed.netloc
        items: list[HeaderItem] = []
        if parsed.host:
            host = self._host
            if host[2] != netloc:
                host = self._host = (b"Host", b"host", netloc)
            items.append(host)
        if not content and method in ("POST", "PUT", "PATCH"):
            items.append(_NO_CONTENT)
        items += self.headers(headers)
        if content:
            length = str(len(content)).encode("ascii")
            items.append((b"Content-Length", b"content-length", length))
        request = httpx.Request(
            method,
            parsed,
            headers=prebuilt_headers(items),
            stream=httpx.ByteStream(content or b""),
            extensions={"timeout": self._timeout},
        )
        request._content = content or b""  # what `request.read()` sets for a ByteStream
        return request

    async def send(self, request: httpx.Request) -> httpx.Response:
        """Hand `request` to the transport; the response's body is left to stream."""
        transport = self._http._transport_for_url(request.url)
        try:
            response = await transport.handle_async_request(request)
        except httpx.RequestError as exc:
            attach_request(exc, request)
            raise
        response.request = request
        return response


def attach_request(exc: httpx.RequestError, request: httpx.Request) -> None:
    """Give a transport's or a stream's error its request when it has none, as
    `AsyncClient.send` does (httpcore's mapped errors come without one)."""
    try:
        exc.request  # noqa: B018 - raises RuntimeError when unset
    except RuntimeError:
        exc.request = request


def prebuilt_headers(items: list[HeaderItem]) -> httpx.Headers:
    """`httpx.Headers` holding `items` as they are (names and values already encoded, each
    name with its lowercased form), without the normalizing pass of `httpx.Headers(...)`.

    `httpx.Headers` keeps exactly this list (`_list`) and builds a copy of another
    `httpx.Headers` by copying it, so the request gets the same headers either way."""
    headers = httpx.Headers()
    headers._list = items
    return headers
