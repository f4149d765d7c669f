"""The no-op SMTP sink: accepts and discards, the ceiling of aiosmtpd on this machine.

Run as its own process with one asyncio loop, the way `casedesk serve` runs:
`python -m bench.sink --port 2525`.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

OK = "250 2.0.0 OK: discarded"
# Same limits as casedesk's listener, so the sink pays the same per-line costs.
LINE_LIMIT = 1 << 20
SIZE_LIMIT = 25 * 1000 * 1000


class Sink:
    """Answers 250 the moment the final dot arrives."""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return OK


class Listener(SMTP):
    line_length_limit = LINE_LIMIT


async def serve(handler: Any, host: str, port: int) -> None:
    """Listen until SIGTERM/SIGINT; prints one ready line for the parent to wait on."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server = await loop.create_server(
        lambda: Listener(handler, data_size_limit=SIZE_LIMIT, enable_SMTPUTF8=True, decode_data=False,
                         ident="bench ESMTP"),
        host=host, port=port)
    print(f"listening on {host}:{port}", flush=True)
    await stop.wait()
    server.close()


def arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    return parser


def main() -> None:
    args = arguments(__doc__.splitlines()[0]).parse_args()
    asyncio.run(serve(Sink(), args.host, args.port))


if __name__ == "__main__":
    main()
