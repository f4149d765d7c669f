"""The load client: N concurrent SMTP sessions sending pre-generated mail back to back."""

from __future__ import annotations

import resource
import smtplib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.corpus import SUPPORT, Mail


@dataclass
class LoadResult:
    """What one load run saw from the client side."""

    sent: int
    accepted: int
    refused: dict[str, int]
    started: float  # wall clock (time.time) when the first session began sending
    seconds: float
    latencies: list[float] = field(repr=False)
    client_cpu: float = 0.0

    @property
    def per_second(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Feed:
    """Hands out corpus indexes to the sessions; each mail is sent exactly once."""

    def __init__(self, count: int) -> None:
        self.next, self.count, self.lock = 0, count, threading.Lock()

    def take(self) -> int | None:
        with self.lock:
            if self.next >= self.count:
                return None
            self.next += 1
            return self.next - 1


def run(host: str, port: int, mails: Sequence[Mail], clients: int = 8, timeout: float = 60) -> LoadResult:
    """Send every mail once over `clients` connections (each kept open); time it.

    Threads with smtplib: the sessions spend their time waiting on the socket, so the GIL is
    no bother, and the mail bytes are prepared before the clock starts.
    """
    feed = Feed(len(mails))
    latencies: list[list[float]] = [[] for _ in range(clients)]
    refused: dict[str, int] = {}
    lock = threading.Lock()
    ready = threading.Barrier(clients + 1)
    errors: list[BaseException] = []

    def session(slot: int) -> None:
        try:
            client = smtplib.SMTP(host, port, timeout=timeout)
            client.ehlo("bench.example")
        except BaseException as exc:
            errors.append(exc)
            ready.abort()
            return
        try:
            ready.wait()
            while (index := feed.take()) is not None:
                mail = mails[index]
                begin = time.perf_counter()
                try:
                    client.sendmail(mail.sender, [SUPPORT], mail.data)
                except smtplib.SMTPResponseException as exc:
                    with lock:
                        key = f"{exc.smtp_code}"
                        refused[key] = refused.get(key, 0) + 1
                    client.rset()
                    continue
                except smtplib.SMTPRecipientsRefused:
                    with lock:
                        refused["rcpt"] = refused.get("rcpt", 0) + 1
                    client.rset()
                    continue
                latencies[slot].append(time.perf_counter() - begin)
            client.quit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=session, args=(n,), name=f"bench-client-{n}") for n in range(clients)]
    for thread in threads:
        thread.start()
    cpu_before = cpu_seconds()
    ready.wait()
    started_wall, started = time.time(), time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if errors:
        raise errors[0]
    flat = [latency for per_client in latencies for latency in per_client]
    return LoadResult(sent=len(mails), accepted=len(flat), refused=refused, started=started_wall,
                      seconds=seconds, latencies=flat, client_cpu=cpu_seconds() - cpu_before)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
