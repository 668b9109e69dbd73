"""What the downloaders (``data pull``: the USITC schedule, the Census trade API) share about the network."""

from __future__ import annotations

import httpx

from tariffscope.errors import NetworkUnreachable

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
"""HTTP statuses worth retrying with backoff (rate limits, transient server errors)."""

UNREACHABLE = (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol)
"""Transport errors that retrying will not cure in seconds: the host cannot be reached at all."""


def unreachable(what: str, url: str, exc: Exception) -> NetworkUnreachable:
    """The error for a server that cannot be reached, naming the host and what to check."""
    host = httpx.URL(url).host
    return NetworkUnreachable(
        f"{what}: cannot reach {host} ({type(exc).__name__}: {exc}); check the network connection "
        "or proxy (HTTPS_PROXY) and try again"
    )
