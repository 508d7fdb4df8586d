"""Words, one module: stemmers, the forms words are matched by, and the stop-word lists.

Summaries (:mod:`~summarizer.summarize`), ranking (:mod:`~summarizer.rank`),
spans (:mod:`~summarizer.spans`) and answers (:mod:`~summarizer.answer`) all
stem here. Nothing is loaded at import: sumy and NLTK's Snowball stemmers come
with the first word stemmed, and every stemmer and word is cached.

The stop-word lists are four on purpose, each named for its use: the
summarizer's (sumy's and stop-words' full lists), and three short lists of the
words a question, a ranked sentence or an answer span may ignore; the answer
rules were fitted with exactly these.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from functools import lru_cache

log = logging.getLogger(__name__)

SUMY_LANGUAGE = {"en": "english", "ru": "russian", "uk": "ukrainian"}
_CYRILLIC = re.compile(r"[а-яёіїєґ]")


def norm_language(language: str) -> str:
    """``language`` as one of "en", "ru", "uk"; anything else is treated as English."""
    language = (language or "en").lower()[:2]
    return language if language in SUMY_LANGUAGE else "en"


@lru_cache(maxsize=4)
def stop_words(language: str) -> frozenset[str]:
    """Lower-cased stop words for ``language``: sumy's lists, and stop-words' for Russian."""
    language = norm_language(language)
    if language == "ru":
        from stop_words import get_stop_words

        found: Sequence[str] = get_stop_words("russian")
    else:
        from sumy.utils import get_stop_words as sumy_stop_words

        found = list(sumy_stop_words(SUMY_LANGUAGE[language]))
    return frozenset(w.strip().lower() for w in found if w.strip())


@lru_cache(maxsize=4)
def stemmer(language: str) -> Callable[[str], str]:
    """A word stemmer for ``language``, remembering the last 65,536 words it stemmed.

    sumy's :class:`~sumy.nlp.stemmers.Stemmer` wraps NLTK's Snowball stemmers
    (English, Russian; no data files needed) and ships its own Ukrainian stemmer.
    Should one be unavailable, words are only lower-cased. Snowball is slow (about
    0.1 ms a Russian word) and news repeat their words, so stems are cached: sumy's
    summarizers, which stem every word of every sentence again, are given this one too.
    """
    from sumy.nlp.stemmers import Stemmer, null_stemmer

    try:
        stem: Callable[[str], str] = Stemmer(SUMY_LANGUAGE[norm_language(language)])
        stem("проверка")
    except Exception:  # a stemmer that cannot even start is not worth failing for
        log.warning("no stemmer for %s, words are only lower-cased", language, exc_info=True)
        return null_stemmer  # type: ignore[no-any-return]
    return lru_cache(maxsize=65536)(stem)


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    """A word's Snowball stem, the stemmer picked by its script (Cyrillic: Russian)."""
    word = word.lower().replace("’", "'")
    if re.search(r"[а-яёіїєґ]", word):
        language = "ru"
    else:
        language = "en"
    return stemmer(language)(word)


@lru_cache(maxsize=16384)
def forms(word: str) -> tuple[str, ...]:
    """What a word matches by: its Snowball stem, and for a long Cyrillic word also its
    first six letters (Snowball leaves "вакцинировали" and "вакцинацию" apart)."""
    word = word.lower().replace("’", "'")
    cyrillic = bool(_CYRILLIC.search(word))
    stem = stemmer("ru" if cyrillic else "en")(word)
    if cyrillic and len(word) >= 7:
        return stem, "pfx:" + word[:6]
    return (stem,)


@lru_cache(maxsize=8192)
def answer_forms(word: str) -> tuple[str, ...]:
    """:func:`forms` as the answer rules match question terms: the word's stem, and a
    6-letter prefix only for a long word that starts in Cyrillic."""
    stem_ = stem(word)
    if len(word) >= 7 and re.match(r"[а-яёіїєґ]", word.lower()):
        return stem_, "pfx:" + word.lower()[:6]
    return (stem_,)


#: words a question's terms leave out (answer)
QUESTION_STOP_WORDS = frozenset(
    """the a an of in on at to for by with from is are was were be been being do does did
    will would shall should can could may might must has have had and or but that this these
    those it its their there here many much how what who whom whose where when which why
    each every any some all both either neither other another such own same so than too very
    just also only about into over after before during under again further then once
    и в во на с со по к ко у о об от до из за для не ни что кто как так же ли бы был была
    было были есть это этот эта эти тот та те то его ее её их ему ей им при про над под
    сколько где когда какой какая какое какие чей чья і в на з до від що хто як де коли
    який яка яке які скільки чи був була було були є це цей ця ці той та те""".split()
)

#: words that never make a sentence relevant (rank)
RANK_STOP_WORDS = frozenset(
    """a an the of in on at to for by with from as is are was were be been being do does did
    has have had will would can could should may might must and or but not no that this these
    those it its they them their he she his her there what who whom whose which where when why
    how many much one some any all other than then so if into about after before during over
    under between through name named called according also only just very more most
    и в во на с со по к ко у о об от до из за для не ни что кто как какой какая какое какие
    каким какую какого каков какова каковы чем чего кого кем кому где когда куда откуда почему
    сколько насколько был была было были есть это этот эта эти тот та те то его ее её их он она
    они при про над под же ли бы также назовите приведите называется называют название
    і з що хто як де коли який яка яке які скільки чи був була було були є це цей ця ці
    той""".split()
)

#: words an answer span does not start or end on (spans)
SPAN_STOP_WORDS = frozenset(
    """a an the of in on at to for by with from as is are was were be been being and or but
    that this these those it its their his her which who whom what when where how
    и в во на с со по к у о об от до из за для не что это его ее её их""".split()
)
