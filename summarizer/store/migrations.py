"""The schema: one list of migration scripts per backend, numbered alike.

A change to the schema is a new entry at the end of both lists, each applied in one
transaction at open.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: articles, sentences with FTS5, sources and posts
    """
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        url TEXT,
        url_key TEXT UNIQUE,
        content_hash TEXT NOT NULL UNIQUE,
        title TEXT,
        published TEXT,
        author TEXT,
        site TEXT,
        language TEXT,
        via TEXT,
        text TEXT NOT NULL,
        summary TEXT NOT NULL,
        extra TEXT NOT NULL DEFAULT '{}',
        ingested_at TEXT NOT NULL
    );
    CREATE INDEX articles_published ON articles(published);
    CREATE TABLE sentences (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        text TEXT NOT NULL,
        UNIQUE (article_id, position)
    );
    CREATE VIRTUAL TABLE sentences_fts USING fts5(
        text, content='sentences', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER sentences_ai AFTER INSERT ON sentences BEGIN
        INSERT INTO sentences_fts(rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER sentences_ad AFTER DELETE ON sentences BEGIN
        INSERT INTO sentences_fts(sentences_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        key TEXT NOT NULL UNIQUE,
        url TEXT NOT NULL,
        added_at TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        last_polled TEXT,
        last_error TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE posts (
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        post_key TEXT NOT NULL,
        article_id INTEGER REFERENCES articles(id) ON DELETE SET NULL,
        seen_at TEXT NOT NULL,
        PRIMARY KEY (source_id, post_key)
    );
    """,
    # users of the bot, their watched sources, and the updates already handled
    # (channel offsets live in sources.state)
    """
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL,
        language_code TEXT,
        active INTEGER NOT NULL DEFAULT 1,
        digest_time TEXT,
        digest_tz TEXT,
        created_at TEXT NOT NULL,
        seen_at TEXT NOT NULL
    );
    CREATE TABLE user_sources (
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        added_at TEXT NOT NULL,
        PRIMARY KEY (user_id, source_id)
    );
    CREATE INDEX user_sources_source ON user_sources(source_id);
    CREATE TABLE handled_updates (
        update_id INTEGER PRIMARY KEY,
        handled_at TEXT NOT NULL
    );
    """,
    # facts: entity mentions per sentence, canonical entity names, roles and relations
    """
    CREATE TABLE mentions (
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
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
        folded TEXT NOT NULL
    );
    CREATE TABLE facts (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        subject_key TEXT NOT NULL,
        predicate TEXT NOT NULL,
        object TEXT,
        object_terms TEXT NOT NULL DEFAULT '[]',
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX facts_subject ON facts(subject_key);
    CREATE INDEX facts_predicate ON facts(kind, predicate);
    CREATE TABLE fact_terms (
        fact_id INTEGER NOT NULL REFERENCES facts(id) ON DELETE CASCADE,
        term TEXT NOT NULL
    );
    CREATE INDEX fact_terms_term ON fact_terms(term);
    """,
    # digests: frequency, "skip when empty", keyword filters and the watermark per user;
    # one row per (user, slot) delivery, keyed for idempotency; the articles each user got
    """
    ALTER TABLE users ADD COLUMN digest_frequency TEXT NOT NULL DEFAULT 'daily';
    ALTER TABLE users ADD COLUMN digest_skip_empty INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE users ADD COLUMN digest_filters TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE users ADD COLUMN digest_since TEXT;
    CREATE TABLE digest_deliveries (
        key TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        slot TEXT NOT NULL,
        until TEXT NOT NULL,
        status TEXT NOT NULL,
        parts TEXT NOT NULL DEFAULT '[]',
        article_ids TEXT NOT NULL DEFAULT '[]',
        parts_sent INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        finished_at TEXT
    );
    CREATE INDEX digest_deliveries_user ON digest_deliveries(user_id, slot);
    CREATE TABLE digest_items (
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        delivery_key TEXT NOT NULL,
        delivered_at TEXT NOT NULL,
        PRIMARY KEY (user_id, article_id)
    );
    CREATE INDEX articles_ingested ON articles(ingested_at);
    CREATE INDEX posts_article ON posts(article_id);
    """,
    # 5: shared polling: a source is leased by one worker at a time (claim_sources);
    # lease_until is an ISO 8601 UTC time with microseconds
    """
    ALTER TABLE sources ADD COLUMN lease_until TEXT;
    ALTER TABLE sources ADD COLUMN leased_by TEXT;
    """,
    # 6: updates handled at least once: an update claimed by a process killed before it
    # answered is kept (payload) until finished, and handled again after a restart
    """
    ALTER TABLE handled_updates ADD COLUMN payload TEXT;
    ALTER TABLE handled_updates ADD COLUMN done INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE handled_updates ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE handled_updates ADD COLUMN progress_id INTEGER;
    CREATE INDEX handled_updates_unfinished ON handled_updates(done) WHERE done = 0;
    """,
    # 7: facts read after the article is stored (when first needed, or when idle):
    # articles stored before this version have theirs already
    """
    ALTER TABLE articles ADD COLUMN facts_pending INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX articles_facts_pending ON articles(id) WHERE facts_pending = 1;
    """,
]

PG_MIGRATIONS: list[str] = [
    # 1: articles, sentences with their tsvector, sources and posts
    """
    CREATE TABLE articles (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        url TEXT,
        url_key TEXT UNIQUE,
        content_hash TEXT NOT NULL UNIQUE,
        title TEXT,
        published TEXT COLLATE "C",
        author TEXT,
        site TEXT,
        language TEXT,
        via TEXT,
        text TEXT NOT NULL,
        summary TEXT NOT NULL,
        extra TEXT NOT NULL DEFAULT '{}',
        ingested_at TEXT COLLATE "C" NOT NULL
    );
    CREATE INDEX articles_published ON articles(published);
    CREATE TABLE sentences (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        text TEXT NOT NULL,
        tsv TSVECTOR NOT NULL,
        n_tokens INTEGER NOT NULL,
        UNIQUE (article_id, position)
    );
    CREATE INDEX sentences_tsv ON sentences USING GIN (tsv);
    CREATE TABLE search_stats (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        sentences BIGINT NOT NULL,
        tokens BIGINT NOT NULL
    );
    INSERT INTO search_stats (id, sentences, tokens) VALUES (1, 0, 0);
    CREATE TABLE sources (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        kind TEXT NOT NULL,
        key TEXT NOT NULL UNIQUE,
        url TEXT NOT NULL,
        added_at TEXT COLLATE "C" NOT NULL,
        etag TEXT,
        last_modified TEXT,
        last_polled TEXT COLLATE "C",
        last_error TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE posts (
        source_id BIGINT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        post_key TEXT NOT NULL,
        article_id BIGINT REFERENCES articles(id) ON DELETE SET NULL,
        seen_at TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (source_id, post_key)
    );
    """,
    # 2: users of the bot, their watched sources, and the updates already handled
    """
    CREATE TABLE users (
        id BIGINT PRIMARY KEY,
        chat_id BIGINT NOT NULL,
        language_code TEXT,
        active BOOLEAN NOT NULL DEFAULT TRUE,
        digest_time TEXT,
        digest_tz TEXT,
        created_at TEXT COLLATE "C" NOT NULL,
        seen_at TEXT COLLATE "C" NOT NULL
    );
    CREATE TABLE user_sources (
        user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        source_id BIGINT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        added_at TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (user_id, source_id)
    );
    CREATE INDEX user_sources_source ON user_sources(source_id);
    CREATE TABLE handled_updates (
        update_id BIGINT PRIMARY KEY,
        handled_at TEXT COLLATE "C" NOT NULL
    );
    """,
    # 3: facts: entity mentions per sentence, canonical entity names, roles and relations
    """
    CREATE TABLE mentions (
        article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
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
        folded TEXT COLLATE "C" NOT NULL
    );
    CREATE INDEX entities_folded ON entities(folded text_pattern_ops);
    CREATE TABLE facts (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        subject_key TEXT NOT NULL,
        predicate TEXT NOT NULL,
        object TEXT,
        object_terms TEXT NOT NULL DEFAULT '[]',
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX facts_subject ON facts(subject_key);
    CREATE INDEX facts_predicate ON facts(kind, predicate);
    CREATE TABLE fact_terms (
        fact_id BIGINT NOT NULL REFERENCES facts(id) ON DELETE CASCADE,
        term TEXT NOT NULL
    );
    CREATE INDEX fact_terms_term ON fact_terms(term);
    CREATE INDEX fact_terms_fact ON fact_terms(fact_id);
    """,
    # 4: digests: frequency, "skip when empty", keyword filters and the watermark per user;
    # one row per (user, slot) delivery, keyed for idempotency; the articles each user got
    """
    ALTER TABLE users ADD COLUMN digest_frequency TEXT NOT NULL DEFAULT 'daily';
    ALTER TABLE users ADD COLUMN digest_skip_empty BOOLEAN NOT NULL DEFAULT FALSE;
    ALTER TABLE users ADD COLUMN digest_filters TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE users ADD COLUMN digest_since TEXT COLLATE "C";
    CREATE TABLE digest_deliveries (
        key TEXT PRIMARY KEY,
        user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        slot TEXT NOT NULL,
        until TEXT COLLATE "C" NOT NULL,
        status TEXT NOT NULL,
        parts TEXT NOT NULL DEFAULT '[]',
        article_ids TEXT NOT NULL DEFAULT '[]',
        parts_sent INTEGER NOT NULL DEFAULT 0,
        created_at TEXT COLLATE "C" NOT NULL,
        finished_at TEXT COLLATE "C"
    );
    CREATE INDEX digest_deliveries_user ON digest_deliveries(user_id, slot);
    CREATE TABLE digest_items (
        user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        delivery_key TEXT NOT NULL,
        delivered_at TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (user_id, article_id)
    );
    CREATE INDEX articles_ingested ON articles(ingested_at);
    CREATE INDEX posts_article ON posts(article_id);
    CREATE INDEX digest_items_article ON digest_items(article_id);
    """,
    # 5: shared polling: a source is leased by one worker at a time (claim_sources)
    """
    ALTER TABLE sources ADD COLUMN lease_until TIMESTAMPTZ;
    ALTER TABLE sources ADD COLUMN leased_by TEXT;
    """,
    # 6: updates handled at least once (see store.MIGRATIONS[5])
    """
    ALTER TABLE handled_updates ADD COLUMN payload TEXT;
    ALTER TABLE handled_updates ADD COLUMN done BOOLEAN NOT NULL DEFAULT TRUE;
    ALTER TABLE handled_updates ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE handled_updates ADD COLUMN progress_id BIGINT;
    CREATE INDEX handled_updates_unfinished ON handled_updates(done) WHERE NOT done;
    """,
    # 7: facts read after the article is stored (see store.MIGRATIONS[6])
    """
    ALTER TABLE articles ADD COLUMN facts_pending BOOLEAN NOT NULL DEFAULT FALSE;
    CREATE INDEX articles_facts_pending ON articles(id) WHERE facts_pending;
    """,
]
