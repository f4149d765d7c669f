"""The HTTP connection rule uvicorn lacks: a request header must arrive complete within 10 s.

uvicorn closes an idle keep-alive connection, but a client that sends half a request header and
then nothing holds its connection (and a slot) for as long as it likes (slowloris).
"""

from __future__ import annotations

import asyncio

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

# From the connection (or the end of the previous response) to a complete request header.
HEADER_TIMEOUT = 10.0


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing connections whose request header is not complete in time."""

    header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.start_header_clock()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # h11 leaves IDLE once it has parsed a whole request line and header.
        if self.conn.their_state is not h11.IDLE:
            self.stop_header_clock()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self.start_header_clock()

    def connection_lost(self, exc: Exception | None) -> None:
        self.stop_header_clock()
        super().connection_lost(exc)

    def start_header_clock(self) -> None:
        self.stop_header_clock()
        self.header_deadline = self.loop.call_later(HEADER_TIMEOUT, self.header_timed_out)

    def stop_header_clock(self) -> None:
        if self.header_deadline is not None:
            self.header_deadline.cancel()
            self.header_deadline = None

    def header_timed_out(self) -> None:
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self.transport.close()
