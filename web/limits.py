"""Sign-in rate limits: a sliding window per key, kept in this process's memory.

Each `casedesk serve` process counts on its own and forgets on restart; that is enough to stop a
script from mailing someone a hundred links. The outbox key of a login mail (one per address and
minute) additionally stops several instances from mailing one address more than once a minute.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

# At most this many sign-in mails per address per hour.
PER_ADDRESS = (5, 3600.0)
# At most this many POST /login per client IP per 10 minutes.
PER_CLIENT = (20, 600.0)
# Forget idle keys once the table holds this many, so a flood of addresses cannot grow memory.
MAX_KEYS = 100_000


class Window:
    """Allow at most `limit` events per `seconds` for each key."""

    def __init__(self, limit: int, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.seconds = seconds
        self.clock = clock
        self.events: dict[str, deque[float]] = {}
        # Endpoints run in a thread pool.
        self.lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count one event for `key`; False (and not counted) when the key is over its limit."""
        now = self.clock()
        with self.lock:
            if len(self.events) >= MAX_KEYS:
                self.forget_idle(now)
            recent = self.events.setdefault(key, deque())
            while recent and recent[0] <= now - self.seconds:
                recent.popleft()
            if len(recent) >= self.limit:
                return False
            recent.append(now)
            return True

    def forget_idle(self, now: float) -> None:
        for key in [k for k, v in self.events.items() if not v or v[-1] <= now - self.seconds]:
            del self.events[key]


class SignInLimits:
    """The two limits POST /login checks."""

    def __init__(self) -> None:
        self.address = Window(*PER_ADDRESS)
        self.client = Window(*PER_CLIENT)
