"""newspaper4k, made to run offline for the benchmarks (shared by bench.extraction,
bench.summaries and bench.ingest).

Stock newspaper4k reaches the network twice where these machines cannot:

* ``newspaper.nlp.split_sentences`` (used by ``Article.nlp()`` and ``nlp.summarize``)
  calls ``nltk.download("punkt")`` when NLTK's punkt data is missing, then loads it.
  We **replace it with our own splitter** (``summarizer.sentences.split_sentences``),
  keeping newspaper's own filter (sentences of more than 10 characters, whitespace
  collapsed). So "newspaper4k's summary" in these tables is its scoring algorithm on
  our sentence split, not on punkt.
* ``tldextract`` fetches the public-suffix list on first use; we point newspaper at a
  ``TLDExtract`` that uses only the snapshot bundled with tldextract.

:func:`patch_newspaper` applies both, once; it returns a one-line note for the docs.
"""

from __future__ import annotations

import re
from functools import cache

NOTE = (
    "newspaper4k patched to run offline: `newspaper.nlp.split_sentences` replaced by "
    "newsbot's `summarizer.sentences.split_sentences` (stock `.nlp()` needs NLTK punkt, "
    "which it downloads), and tldextract limited to its bundled suffix list"
)


def available() -> bool:
    """Whether newspaper4k is installed."""
    try:
        import newspaper  # noqa: F401
    except ImportError:
        return False
    return True


@cache
def patch_newspaper() -> str:
    """Patch newspaper4k (see the module doc); returns :data:`NOTE`."""
    import newspaper.nlp
    import tldextract.tldextract as tld

    from summarizer.sentences import split_sentences as ours

    offline = tld.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)
    tld.TLD_EXTRACTOR = offline  # what tldextract.extract() calls

    def split_sentences(text: str) -> list[str]:
        return [re.sub(r"[\n ]+", " ", s) for s in ours(text, "en") if len(s) > 10]

    newspaper.nlp.split_sentences = split_sentences  # type: ignore[assignment]
    return NOTE
