"""Commands for the bot's administrators (``NEWSBOT_ADMINS``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import Update

from .. import texts, texts_stats
from ..limits import is_admin
from ..stories import source_name
from .send import respond

if TYPE_CHECKING:
    from ..context import Context


async def stats(update: Update, context: Context) -> None:
    """/stats, for admins only: store counts, queue lengths, failing sources."""
    user = update.effective_user
    data = context.bot_data
    if not is_admin(data.settings, user.id if user else None):
        await respond(update, context, texts.ADMIN_ONLY)
        return
    app = context.application
    queues = {
        "updates_waiting": app.update_queue.qsize(),
        "sources_being_polled": len(data.poller.running),
        "fetches_under_way": data.fetcher.in_flight,
        "fetches_waiting": data.fetcher.waiting,
        "links_being_read": data.limits.reading,
        "scheduled_jobs": len(app.job_queue.jobs()) if app.job_queue else 0,
    }
    failing = [
        (source_name(s.kind, s.key, s.url, short=False), s)
        for s in await data.stored(data.store.failing_sources)
    ]
    counts = await data.stored(data.store.stats)
    await respond(update, context, texts_stats.stats_message(counts, queues, failing))
