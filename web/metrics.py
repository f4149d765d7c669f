"""GET /metrics: casedesk's counters in the Prometheus text format, for staff or allowed addresses."""

from __future__ import annotations

import ipaddress

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from core import metrics
from core.settings import Settings
from store.db import Database
from store.inbound import oldest_pending, set_aside_count
from store.models import utcnow
from web import auth


def metrics_page(request: Request) -> Response:
    """The scrape: counters as serve counted them, gauges read from the store now."""
    settings: Settings = request.app.state.settings
    if not allowed(request, settings):
        return PlainTextResponse("forbidden: sign in as staff, or scrape from [web] metrics_allow\n", 403)
    refresh(request.app.state.db)
    return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)


def allowed(request: Request, settings: Settings) -> bool:
    """Staff, or a client address inside one of `[web] metrics_allow`."""
    client = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        address = None
    if address is not None and any(address in ipaddress.ip_network(net, strict=False)
                                   for net in settings.web.metrics_allow):
        return True
    viewer = auth.viewer_of(request)
    return viewer is not None and viewer.staff


def refresh(db: Database) -> None:
    """Backlog, its oldest age and the set-aside count, from the store (two indexed counts)."""
    with db.read() as session:
        waiting, oldest = oldest_pending(session)
        aside = set_aside_count(session)
    metrics.BACKLOG.set(waiting)
    metrics.OLDEST.set((utcnow() - oldest).total_seconds() if oldest else 0)
    metrics.SET_ASIDE_NOW.set(aside)
