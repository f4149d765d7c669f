"""A diagnostic row: casedesk's own SMTP edge and group commit with no ingest worker beside it.

Same Handler, Committer and database code as `casedesk serve`, so the difference to the full
serve row is what filing in the same process (GIL, SQLite write lock) costs the accept path:
`python -m bench.acceptonly --config config.toml`.
"""

from __future__ import annotations

import argparse
import asyncio
import signal


async def serve(config: str) -> None:
    from core.settings import load
    from ingest.server import Committer, start_listener
    from store.db import Database
    from store.migrate import upgrade

    settings = load(config)
    db = Database(settings.database.url)
    upgrade(db)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    committer = Committer(db, "bench-accept-only", lambda: None)
    committer.start()
    smtp = await start_listener(settings, committer)
    print(f"accept-only on {settings.smtp.listen}", flush=True)
    await stop.wait()
    smtp.close()
    await committer.close()
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    asyncio.run(serve(parser.parse_args().config))


if __name__ == "__main__":
    main()
