"""How much of any input is read: every budget in one place (issue 17, finding 2).

Any page, feed or text is read only up to these budgets, so no input costs more than
bounded time and memory however it is built (one sentence of 250 kB, a million tiny
paragraphs, 600,000 short sentences, 50,000 feed items). Reaching a budget is
reported ("read the first N …": ``Article.extra["notes"]``, shown with the summary
and by ``newsbot ingest``), never an error. The budgets are far above real articles:
of the 285 pages of the extraction benchmarks, the longest has 53,000 characters,
529 paragraphs, 1,089 sentences and a sentence of 3,857 characters.
"""

from __future__ import annotations

#: characters of an article's text that are read; the rest is left out
ARTICLE_CHARS = 300_000
#: paragraphs of an article that are read
ARTICLE_PARAGRAPHS = 3_000
#: sentences of an article that are kept (summarized, stored, searched)
ARTICLE_SENTENCES = 3_000
#: seconds the sentences of one article are split for; the sentences found by then are
#: kept. A backstop: within the budgets above splitting takes well under a second
ARTICLE_SECONDS = 20.0
#: characters the sentence splitter is given at once: a longer paragraph is first cut
#: into runs of at most this many (after a sentence's end when there is one, else at a
#: space), since razdel's time grows with the square of a run with no sentence end
SPLIT_RUN_CHARS = 20_000
#: characters of one sentence: a longer one is cut into parts of at most this many,
#: at spaces
SENTENCE_CHARS = 4_000
#: characters of one sentence a parser (spaCy, natasha) is given; a longer one is cut
#: (real sentences are well under 1,000 characters), since the parsers' memory grows
#: with the square of a sentence's length
PARSE_SENTENCE_CHARS = 2_000
#: characters one parse is given in all (some 40 articles); the sentences after are
#: left unparsed
PARSE_CHARS = 200_000
#: sentences one parse is given in all: natasha costs some 7 ms a sentence however
#: short, so 3,000 sentences of "Да." took 23 s; the sentences after are left unparsed
PARSE_SENTENCES = 1_500
#: items read from one feed, in document order (feeds put the newest first); the rest
#: are counted, not parsed
FEED_ITEMS = 1_000
