"""Size limits shared by the client and the pager.

`MAX_URL_LENGTH` bounds the request target (path plus query string) the client sends and the
`nextUri` the pager accepts. Servers and proxies cap the request line, and past the cap they
answer 414 or 400, or drop the connection, rather than serve the request: nginx's default
`large_client_header_buffers 4 8k` fails a request line over 8 KiB, and other common limits
are of the same order (Apache's `LimitRequestLine` 8,190 bytes, Node.js 16 KiB for all the
headers). A longer URL from a caller is a `ValueError` before any request; a longer `nextUri`
from a server is a `PaginationError`: the request it leads to would be refused on the way, and
an API's cursors are short opaque tokens, so such a URI is a server fault, not a page.
"""

from __future__ import annotations

from typing import Final

__all__ = ["MAX_URL_LENGTH"]

MAX_URL_LENGTH: Final = 8192
"""Characters in a request target (path and query) or a `nextUri`; longer ones are refused."""
