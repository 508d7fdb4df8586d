"""The texts of the admins' /stats, in the reader's language (see bot.i18n).

A feature's texts live in a module of their own once :mod:`bot.texts` is full; they are
extracted into the same catalogue (``bot/locale``).
"""

from __future__ import annotations

from collections.abc import Sequence

from summarizer.store import Source

from .i18n import N_, ngettext
from .i18n import gettext as _
from .reasons import reason
from .render import esc

_STATS_LABELS = {
    # the store's counts (Store.stats)
    "users": N_("users"),
    "active_users": N_("active users"),
    "subscribers": N_("subscribers"),
    "sources": N_("sources"),
    "failing_sources": N_("failing sources"),
    "articles": N_("articles"),
    "posts": N_("posts"),
    "pending_digests": N_("pending digests"),
    "handled_updates": N_("handled updates"),
    # the queues (handlers.stats)
    "updates_waiting": N_("updates waiting"),
    "sources_being_polled": N_("sources being polled"),
    "fetches_under_way": N_("fetches under way"),
    "fetches_waiting": N_("fetches waiting"),
    "links_being_read": N_("links being read"),
    "scheduled_jobs": N_("scheduled jobs"),
}


def _stat_label(name: str) -> str:
    label = _STATS_LABELS.get(name)
    return esc(_(label) if label else name.replace("_", " "))


def stats_message(
    counts: dict[str, int], queues: dict[str, int], failing: Sequence[tuple[str, Source]]
) -> str:
    """The admins' /stats: store counts, queue lengths, the worst failing sources."""
    lines = [_("<b>newsbot stats</b>")]
    lines += [f"{_stat_label(name)}: {value}" for name, value in counts.items()]
    lines += ["", _("<b>Queues</b>")]
    lines += [f"{_stat_label(name)}: {value}" for name, value in queues.items()]
    if failing:
        lines += ["", _("<b>Failing sources</b>")]
        for name, source in failing:
            error = reason(source.last_error) if source.last_error else _("unknown error")
            lines.append(
                ngettext(
                    "• {name}: {count} in a row, {error}",
                    "• {name}: {count} in a row, {error}",
                    source.failures,
                ).format(name=esc(name), count=source.failures, error=esc(error))
            )
    return "\n".join(lines)
