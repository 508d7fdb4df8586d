"""The schema, written once: migration scripts with the types each backend spells its own way.

Each backend fills them in with :func:`scripts` (:data:`.sqlite.MIGRATIONS`,
:data:`.postgres.PG_MIGRATIONS`), so both lists have the same numbering and meaning. A
change to the schema is a new entry at the end; each is applied in one transaction at open.

The placeholders: ``pk`` an id the database assigns, ``int`` a 64-bit integer, ``time``
ISO 8601 text that compares byte by byte, ``bool``/``true``/``false``, ``stamp`` a UTC
time (``lease_until``), ``sentences`` the full-text index's own tables, ``folded_index``,
``terms_index`` and ``items_index`` indexes one backend adds, ``not_done`` and
``pending`` the conditions of two partial indexes.
"""

from __future__ import annotations

from .dialect import Dialect

TEMPLATES: list[str] = [
    # 1: articles, sentences (full-text indexed), sources and posts
    """
    CREATE TABLE articles (
        id {pk},
        url TEXT,
        url_key TEXT UNIQUE,
        content_hash TEXT NOT NULL UNIQUE,
        title TEXT,
        published {time},
        author TEXT,
        site TEXT,
        language TEXT,
        via TEXT,
        text TEXT NOT NULL,
        summary TEXT NOT NULL,
        extra TEXT NOT NULL DEFAULT '{{}}',
        ingested_at {time} NOT NULL
    );
    CREATE INDEX articles_published ON articles(published);
    CREATE TABLE sentences (
        id {pk},
        article_id {int} NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        text TEXT NOT NULL,{sentences}
    CREATE TABLE sources (
        id {pk},
        kind TEXT NOT NULL,
        key TEXT NOT NULL UNIQUE,
        url TEXT NOT NULL,
        added_at {time} NOT NULL,
        etag TEXT,
        last_modified TEXT,
        last_polled {time},
        last_error TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT '{{}}'
    );
    CREATE TABLE posts (
        source_id {int} NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        post_key TEXT NOT NULL,
        article_id {int} REFERENCES articles(id) ON DELETE SET NULL,
        seen_at {time} NOT NULL,
        PRIMARY KEY (source_id, post_key)
    );
    """,
    # 2: users of the bot, their watched sources, and the updates already handled
    # (channel offsets live in sources.state)
    """
    CREATE TABLE users (
        id {int} PRIMARY KEY,
        chat_id {int} NOT NULL,
        language_code TEXT,
        active {bool} NOT NULL DEFAULT {true},
        digest_time TEXT,
        digest_tz TEXT,
        created_at {time} NOT NULL,
        seen_at {time} NOT NULL
    );
    CREATE TABLE user_sources (
        user_id {int} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        source_id {int} NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        added_at {time} NOT NULL,
        PRIMARY KEY (user_id, source_id)
    );
    CREATE INDEX user_sources_source ON user_sources(source_id);
    CREATE TABLE handled_updates (
        update_id {int} PRIMARY KEY,
        handled_at {time} NOT NULL
    );
    """,
    # 3: facts: entity mentions per sentence, canonical entity names, roles and relations
    """
    CREATE TABLE mentions (
        article_id {int} NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        start INTEGER NOT NULL,
        stop INTEGER NOT NULL,
        text TEXT NOT NULL,
        label TEXT NOT NULL,
        key TEXT NOT NULL,
        head TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX mentions_key ON mentions(key);
    CREATE INDEX mentions_sentence ON mentions(article_id, position);
    CREATE TABLE entities (
        key TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        label TEXT NOT NULL,
        folded {time} NOT NULL
    );{folded_index}
    CREATE TABLE facts (
        id {pk},
        article_id {int} NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        subject_key TEXT NOT NULL,
        predicate TEXT NOT NULL,
        object TEXT,
        object_terms TEXT NOT NULL DEFAULT '[]',
        detail TEXT NOT NULL DEFAULT '{{}}'
    );
    CREATE INDEX facts_subject ON facts(subject_key);
    CREATE INDEX facts_predicate ON facts(kind, predicate);
    CREATE TABLE fact_terms (
        fact_id {int} NOT NULL REFERENCES facts(id) ON DELETE CASCADE,
        term TEXT NOT NULL
    );
    CREATE INDEX fact_terms_term ON fact_terms(term);{terms_index}
    """,
    # 4: digests: frequency, "skip when empty", keyword filters and the watermark per user;
    # one row per (user, slot) delivery, keyed for idempotency; the articles each user got
    """
    ALTER TABLE users ADD COLUMN digest_frequency TEXT NOT NULL DEFAULT 'daily';
    ALTER TABLE users ADD COLUMN digest_skip_empty {bool} NOT NULL DEFAULT {false};
    ALTER TABLE users ADD COLUMN digest_filters TEXT NOT NULL DEFAULT '{{}}';
    ALTER TABLE users ADD COLUMN digest_since {time};
    CREATE TABLE digest_deliveries (
        key TEXT PRIMARY KEY,
        user_id {int} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        slot TEXT NOT NULL,
        until {time} NOT NULL,
        status TEXT NOT NULL,
        parts TEXT NOT NULL DEFAULT '[]',
        article_ids TEXT NOT NULL DEFAULT '[]',
        parts_sent INTEGER NOT NULL DEFAULT 0,
        created_at {time} NOT NULL,
        finished_at {time}
    );
    CREATE INDEX digest_deliveries_user ON digest_deliveries(user_id, slot);
    CREATE TABLE digest_items (
        user_id {int} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        article_id {int} NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        delivery_key TEXT NOT NULL,
        delivered_at {time} NOT NULL,
        PRIMARY KEY (user_id, article_id)
    );
    CREATE INDEX articles_ingested ON articles(ingested_at);
    CREATE INDEX posts_article ON posts(article_id);{items_index}
    """,
    # 5: shared polling: a source is leased by one worker at a time (claim_sources)
    """
    ALTER TABLE sources ADD COLUMN lease_until {stamp};
    ALTER TABLE sources ADD COLUMN leased_by TEXT;
    """,
    # 6: updates handled at least once: an update claimed by a process killed before it
    # answered is kept (payload) until finished, and handled again after a restart
    """
    ALTER TABLE handled_updates ADD COLUMN payload TEXT;
    ALTER TABLE handled_updates ADD COLUMN done {bool} NOT NULL DEFAULT {true};
    ALTER TABLE handled_updates ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE handled_updates ADD COLUMN progress_id {int};
    CREATE INDEX handled_updates_unfinished ON handled_updates(done) WHERE {not_done};
    """,
    # 7: facts read after the article is stored (when first needed, or when idle):
    # articles stored before this version have theirs already
    """
    ALTER TABLE articles ADD COLUMN facts_pending {bool} NOT NULL DEFAULT {false};
    CREATE INDEX articles_facts_pending ON articles(id) WHERE {pending};
    """,
    # 8: the links each user sent, so that /latest and digests list only the user's own
    # (their sources' posts and these); no reference to users: a group member who sent a
    # link may never have written to the bot in private
    """
    CREATE TABLE user_articles (
        user_id {int} NOT NULL,
        article_id {int} NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        added_at {time} NOT NULL,
        PRIMARY KEY (user_id, article_id)
    );
    CREATE INDEX user_articles_article ON user_articles(article_id);
    """,
    # 9: what /healthz writes (and commits) to prove the store still takes writes: one row
    # a process, the time of its last probe
    """
    CREATE TABLE store_probe (
        probed_by TEXT PRIMARY KEY,
        probed_at {time} NOT NULL
    );
    """,
]


def scripts(
    dialect: Dialect,
    *,
    sentences: str,
    not_done: str,
    pending: str,
    folded_index: str = "",
    terms_index: str = "",
    items_index: str = "",
) -> list[str]:
    """The migration scripts in one backend's spelling."""
    spelling = {
        "pk": dialect.pk,
        "int": dialect.bigint,
        "time": dialect.time,
        "bool": dialect.boolean,
        "true": dialect.true,
        "false": dialect.false,
        "stamp": dialect.stamp,
        "sentences": sentences,
        "not_done": not_done,
        "pending": pending,
        "folded_index": folded_index,
        "terms_index": terms_index,
        "items_index": items_index,
    }
    return [template.format(**spelling) for template in TEMPLATES]
