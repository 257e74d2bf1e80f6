"""uvicorn's HTTP protocol with Nagle's algorithm off on every connection, however the socket was made.

asyncio turns Nagle off (``TCP_NODELAY``) on the connections of a listening socket it made itself, which
is what uvicorn does with one worker. With ``--workers N`` uvicorn makes the socket with
``socket.socket(family)`` (protocol number 0, not ``IPPROTO_TCP``), which asyncio does not recognise as TCP:
Nagle stays on, and on a keep-alive connection each small answer waits for the client's delayed
acknowledgement, about 40 ms (measured with two workers: /health 44 ms a request instead of 1 ms).
``upskill serve`` names this class as uvicorn's ``http`` protocol.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.auto import AutoHTTPProtocol


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc,valid-type]
    """uvicorn's own HTTP protocol (httptools when installed, else h11), with ``TCP_NODELAY`` set first."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        connection = transport.get_extra_info("socket")
        if connection is not None and connection.family in (socket.AF_INET, socket.AF_INET6):
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
