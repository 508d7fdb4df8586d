"""The summarization stage: pick the few sentences of an article that say the most.

Every algorithm is a *strategy*: a class built with ``(language, title)`` and
called with ``(sentences, count)``, returning the indices of the chosen
sentences. :data:`ALGORITHMS` maps a name to its class, like sumy's own
command line does, so the CLI and the bot can offer any of them.

* ``news`` (the default) is ours: sentence centrality in a word-overlap graph,
  plus position and title priors, with redundancy removal (see :class:`NewsRanker`).
* ``lead`` takes the first sentences, the classic news baseline.
* ``lexrank``, ``textrank``, ``lsa``, ``luhn``, ``sumbasic``, ``edmundson`` and
  ``reduction`` run sumy's summarizers on our own sentence split.

Whatever the algorithm, datelines ("ТАСС, 10 августа."), captions and photo
credits and very short fragments are never chosen: they are removed before the
strategy sees the sentences. The result is always verbatim sentences of the
input, in article order, and reads as a story (:func:`coherent`): the lede (the
article's first full sentence) is in it, and a sentence that opens with a
personal pronoun ("He said that…", "Она добавила…", "За його словами…") is never
in it without the sentence before it, so it never opens a summary with nobody
for the pronoun to point to.
"""

from __future__ import annotations

import logging
import math
import re
import warnings
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise
from typing import Any, ClassVar

from summarizer.errors import BadInput
from summarizer.sentences import (
    has_words,
    is_dateline,
    looks_like_credit,
    split_sentences,
    words,
)
from summarizer.stemming import norm_language as _norm_language
from summarizer.stemming import stemmer, stop_words

log = logging.getLogger(__name__)

#: A sentence with fewer words than this is a fragment, not a summary sentence.
MIN_WORDS = 4

# A wire dateline with its agency, which summarizer.sentences.is_dateline does not cover:
# "ВЛАДИВОСТОК, 10 авг – РИА Новости.", "MOSCOW, 5 May - Interfax." (at most three words
# of agency after the dash, so "LONDON, 5 May - Prices rose sharply today." stays).
_AGENCY_DATELINE = re.compile(
    r"^[A-ZА-ЯЁІЇЄҐ][A-ZА-ЯЁІЇЄҐ\-]+(?:[ -][A-ZА-ЯЁІЇЄҐ\-]+)*,\s+\d{1,2}\s+\w+\.?\s*[—–-]\s*"
    r"\w+(?:[ .\-/]+\w+){0,2}[./]*$"
)
# How a sentence ends: a heading, a caption or a deck above the story often does not.
_TERMINAL = re.compile(r"[.!?…:;][\"'»”’)\]]*$")

# A sentence whose opening points back: a third-person pronoun as its first word, or after
# one short preposition ("According to him", "По его словам", "За її даними"). "It" and
# "this" are left out: "It is unclear whether…" points nowhere.
_POINTS_BACK = {
    "en": re.compile(r"(?:according to |for |to )?(?:he|she|they|him|her|his|their|them)\b", re.I),
    "ru": re.compile(
        r"(?:по |для |у |с |со |к |ко |от |о |об )?"
        r"(?:он|она|оно|они|его|её|ее|их|ему|ей|им|ним|нему|ней|неё|нее|них|нём|нем)\b",
        re.I,
    ),
    "uk": re.compile(
        r"(?:за |на |для |у |в |з |від |до |про )?"
        r"(?:він|вона|воно|вони|його|її|їх|йому|їй|їм|нього|неї|них|ним|ній)\b",
        re.I,
    ),
}
#: how far into the candidates the lede may be (past a heading or caption that survived)
LEDE_WITHIN = 3

_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
# Words that mark a sentence as hedged or off-topic, for Edmundson's cue method
# (sumy refuses an empty list).
_STIGMA_WORDS = {
    "en": ("hardly", "impossible", "perhaps", "reportedly", "allegedly", "rumour", "rumor"),
    "ru": ("якобы", "возможно", "вероятно", "слухи", "предположительно"),
    "uk": ("нібито", "можливо", "ймовірно", "чутки", "імовірно"),
}


def content_stems(sentence: str, language: str) -> list[str]:
    """Stems of the words of ``sentence`` that are neither stop words nor numbers."""
    stops = stop_words(language)
    stem = stemmer(language)
    out = []
    for word in words(sentence):
        lower = word.lower()
        if lower in stops or not _has_letter(lower):
            continue
        out.append(stem(lower))
    return out


class Strategy:
    """A summarization algorithm.

    Built with the article's language and its title (if known), called with
    the article's candidate sentences and how many to pick; returns the
    indices of the chosen sentences (any order, at most ``count``).
    """

    name: ClassVar[str] = ""
    #: True when the indices come best first (and the first ``n`` of ``count`` picks are
    #: the ``n`` picks); sumy's strategies return theirs in article order
    ranks: ClassVar[bool] = False

    def __init__(self, language: str = "en", title: str | None = None) -> None:
        self.language = _norm_language(language)
        self.title = title

    def __call__(self, sentences: Sequence[str], count: int) -> list[int]:
        raise NotImplementedError


class Lead(Strategy):
    """The first ``count`` sentences: the inverted pyramid's baseline."""

    name = "lead"
    ranks = True

    def __call__(self, sentences: Sequence[str], count: int) -> list[int]:
        return list(range(min(count, len(sentences))))


class SumyStrategy(Strategy):
    """One of sumy's summarizers, run on a document built from our sentences."""

    summarizer_class: ClassVar[str] = ""  # "module:Class" under sumy.summarizers

    def _summarizer(self) -> Any:
        import importlib

        module, _, cls = self.summarizer_class.partition(":")
        summarizer_type = getattr(importlib.import_module(f"sumy.summarizers.{module}"), cls)
        summarizer = summarizer_type(stemmer(self.language))
        if hasattr(summarizer, "stop_words"):
            summarizer.stop_words = stop_words(self.language)
        return summarizer

    def _document(self, sentences: Sequence[str]) -> Any:
        from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence

        from summarizer.sentences import Tokenizer

        tokenizer = Tokenizer(self.language)
        items = [Sentence(s, tokenizer) for s in sentences]
        if self.title:
            items.insert(0, Sentence(self.title, tokenizer, is_heading=True))
        return ObjectDocumentModel([Paragraph(items)])

    def __call__(self, sentences: Sequence[str], count: int) -> list[int]:
        if not sentences:
            return []
        document = self._document(sentences)
        with warnings.catch_warnings():
            # LSA warns on short texts; that is no reason to fail.
            warnings.simplefilter("ignore")
            chosen = self._summarizer()(document, count)
        # sumy returns Sentence objects in document order; map them back to
        # indices, giving each duplicate text its own index.
        positions: dict[str, list[int]] = {}
        for i, sentence in enumerate(document.sentences):
            positions.setdefault(str(sentence), []).append(i)
        out = []
        for sentence in chosen:
            free = positions.get(str(sentence))
            if free:
                out.append(free.pop(0))
        return out[:count]


class LexRank(SumyStrategy):
    """sumy's LexRank (Erkan & Radev 2004)."""

    name = "lexrank"
    summarizer_class = "lex_rank:LexRankSummarizer"


class TextRank(SumyStrategy):
    """sumy's TextRank (Mihalcea & Tarau 2004)."""

    name = "textrank"
    summarizer_class = "text_rank:TextRankSummarizer"


class Lsa(SumyStrategy):
    """sumy's latent semantic analysis summarizer (Steinberger & Ježek 2004)."""

    name = "lsa"
    summarizer_class = "lsa:LsaSummarizer"


class Luhn(SumyStrategy):
    """sumy's Luhn summarizer (significant word clusters, 1958)."""

    name = "luhn"
    summarizer_class = "luhn:LuhnSummarizer"


class SumBasic(SumyStrategy):
    """sumy's SumBasic (word probability, Nenkova & Vanderwende 2005)."""

    name = "sumbasic"
    summarizer_class = "sum_basic:SumBasicSummarizer"


class Reduction(SumyStrategy):
    """sumy's Reduction: sentences ranked by their summed word overlap with all others."""

    name = "reduction"
    summarizer_class = "reduction:ReductionSummarizer"


class Edmundson(SumyStrategy):
    """sumy's Edmundson summarizer: cue, title and location methods.

    Bonus words are the title's words and the article's most frequent content
    words; null words are the stop words; stigma words a short hedge list.
    """

    name = "edmundson"
    summarizer_class = "edmundson:EdmundsonSummarizer"

    def _summarizer(self) -> Any:
        from sumy.summarizers.edmundson import EdmundsonSummarizer

        summarizer = EdmundsonSummarizer(stemmer(self.language))
        summarizer.null_words = stop_words(self.language)
        summarizer.stigma_words = _STIGMA_WORDS[self.language]
        summarizer.bonus_words = self._bonus_words
        return summarizer

    def __call__(self, sentences: Sequence[str], count: int) -> list[int]:
        frequent = Counter(w for s in sentences for w in _content_words(s, self.language))
        bonus = [w for w, _ in frequent.most_common(10)]
        if self.title:
            bonus.extend(_content_words(self.title, self.language))
        self._bonus_words = bonus or ["news"]
        return super().__call__(sentences, count)


def _content_words(sentence: str, language: str) -> list[str]:
    stops = stop_words(language)
    lowered = (w.lower() for w in words(sentence))
    return [w for w in lowered if w not in stops and _has_letter(w)]


def _has_letter(word: str) -> bool:
    # isalpha() first: most words are letters only, and it is quicker than the regex
    return word.isalpha() or bool(_LETTER.search(word))


#: for each word, the bags that hold it: (index of the bag, count of the word in it)
Holders = dict[str, list[tuple[int, int]]]


def _holders(bags: Sequence[Counter[str]]) -> Holders:
    """Which of ``bags`` hold each word, in the order of the bags."""
    out: Holders = {}
    for i, bag in enumerate(bags):
        for word, count in bag.items():
            out.setdefault(word, []).append((i, count))
    return out


class NewsRanker(Strategy):
    """Our news-aware ranker, the default.

    Each sentence is a bag of content words (lower-cased for English, Snowball
    or sumy stems for Russian and Ukrainian). Two sentences are linked by the
    number of words they share, divided by the sum of the logs of their
    lengths (the edge weight of TextRank and Reduction); a sentence's
    centrality is its summed weight to all the others, scaled to a maximum
    of 1. The score adds a position prior (news puts the point first) and the
    share of the title's words the sentence repeats. Sentences are then taken
    greedily by score, each candidate penalized by how far its cosine
    similarity to a chosen sentence exceeds a threshold (maximal marginal
    relevance against near-duplicates).

    The weights were tuned on a quarter of the BBC News Summary articles
    (``bench.summaries``); there, the priors and the redundancy penalty move
    ROUGE only slightly: centrality does most of the work.
    """

    name = "news"
    ranks = True

    #: languages whose words are stemmed; English words are only lower-cased,
    #: which matched the BBC references better than Snowball stems
    stemmed_languages: ClassVar[frozenset[str]] = frozenset({"ru", "uk"})
    #: weight of the position prior, relative to normalized centrality (max 1)
    position_weight: ClassVar[float] = 0.05
    #: the position prior's weight where a language's news differ: Russian and Ukrainian
    #: wire copy (ТАСС, РИА, Интерфакс) states the whole point in its first sentence, so
    #: there the prior dominates and centrality only breaks near-ties (tuned on half of
    #: the Russian check of ``bench.summaries``; English kept at ``position_weight``)
    language_position_weight: ClassVar[dict[str, float]] = {"ru": 1.6, "uk": 1.6}
    #: how fast the position prior decays: 1 / (1 + index) ** position_decay
    position_decay: ClassVar[float] = 1.0
    #: weight of the title prior (share of the title's stems in the sentence)
    title_weight: ClassVar[float] = 0.02
    #: weight of the redundancy penalty, applied to the part of a sentence's max
    #: cosine to an already chosen one above ``redundancy_threshold``
    redundancy_weight: ClassVar[float] = 1.0
    redundancy_threshold: ClassVar[float] = 0.6
    #: subtracted from a sentence without final punctuation: a heading, deck or caption
    #: ("В финале он сыграет с другим представителем Англии") rarely leads a summary
    unterminated_penalty: ClassVar[float] = 0.5

    def terms(self, sentence: str) -> list[str]:
        """The sentence's content words: stems, or lower-cased words for English."""
        if self.language in self.stemmed_languages:
            return content_stems(sentence, self.language)
        return _content_words(sentence, self.language)

    def scores(self, sentences: Sequence[str]) -> tuple[list[float], list[Counter[str]], Holders]:
        """Each sentence's score before redundancy removal, its bag of stems, and which
        bags hold each stem (see :func:`_holders`)."""
        bags = [Counter(self.terms(s)) for s in sentences]
        holders = _holders(bags)
        logs = [math.log(n) if n > 0 else 0.0 for n in (sum(bag.values()) for bag in bags)]
        n = len(sentences)
        centrality = [0.0] * n
        # Only pairs that share a word are linked, so only those are looked at (comparing
        # every pair was most of the time on long pages: one Zyte page has 628 candidate
        # sentences). Each sentence's weights still add up in the order of its partners,
        # as in a loop over all pairs, so the float sums are exactly those of that loop.
        for j, bag in enumerate(bags):
            shared: dict[int, int] = {}  # earlier sentence -> words it shares with this one
            for word, count in bag.items():
                for i, other in holders[word]:
                    if i == j:
                        break
                    shared[i] = shared.get(i, 0) + (count if count < other else other)
            for i in sorted(shared):
                common, norm = shared[i], logs[i] + logs[j]
                weight = common / norm if norm > 0 else float(common)
                centrality[i] += weight
                centrality[j] += weight
        top = max(centrality, default=0.0) or 1.0
        title = set(self.terms(self.title)) if self.title else set()
        position_weight = self.language_position_weight.get(self.language, self.position_weight)
        out = []
        for i in range(n):
            score = centrality[i] / top
            score += position_weight / (1 + i) ** self.position_decay
            if title:
                score += self.title_weight * len(title & bags[i].keys()) / len(title)
            if not _TERMINAL.search(sentences[i]):
                score -= self.unterminated_penalty
            out.append(score)
        return out, bags, holders

    def __call__(self, sentences: Sequence[str], count: int) -> list[int]:
        scores, bags, holders = self.scores(sentences)
        norms = [math.sqrt(sum(v * v for v in bag.values())) or 1.0 for bag in bags]
        chosen: list[int] = []
        redundancy = [0.0] * len(sentences)
        left = set(range(len(sentences)))
        while left and len(chosen) < count:
            best = max(left, key=lambda i: (scores[i] - self.redundancy_weight * redundancy[i], -i))
            chosen.append(best)
            left.discard(best)
            # the dot product of each bag with best's (0 for those sharing no word with it)
            dots: dict[int, int] = {}
            for word, count_best in bags[best].items():
                for i, other in holders[word]:
                    dots[i] = dots.get(i, 0) + count_best * other
            for i in left:
                cosine = dots.get(i, 0) / (norms[i] * norms[best])
                redundancy[i] = max(redundancy[i], cosine - self.redundancy_threshold)
        return chosen


ALGORITHMS: dict[str, type[Strategy]] = {
    cls.name: cls
    for cls in (NewsRanker, Lead, LexRank, TextRank, Lsa, Luhn, SumBasic, Edmundson, Reduction)
}
DEFAULT_ALGORITHM = NewsRanker.name


def is_candidate(sentence: str) -> bool:
    """True if ``sentence`` may be part of a summary: no dateline, credit or fragment."""
    if is_dateline(sentence) or looks_like_credit(sentence) or is_agency_dateline(sentence):
        return False
    return has_words(sentence, MIN_WORDS)


def is_agency_dateline(sentence: str) -> bool:
    """True for a wire dateline ending with its agency: "ВЛАДИВОСТОК, 10 авг – РИА Новости."."""
    return bool(_AGENCY_DATELINE.match(sentence.strip()))


def summarize_sentences(
    sentences: Sequence[str],
    language: str = "en",
    count: int = 4,
    algorithm: str = DEFAULT_ALGORITHM,
    title: str | None = None,
) -> list[str]:
    """At most ``count`` of ``sentences``, chosen by ``algorithm``, in their original order.

    Raises :class:`BadInput` for an unknown algorithm or a count below 1.
    """
    strategy_class = ALGORITHMS.get(algorithm)
    if strategy_class is None:
        raise BadInput("summarize.algorithm", algorithm=algorithm, algorithms=", ".join(ALGORITHMS))
    if count < 1:
        raise BadInput("summarize.count", count=count)
    candidates = [i for i, s in enumerate(sentences) if is_candidate(s)]
    if not candidates:
        # Nothing but short lines: let the fragments in, never the datelines or credits.
        candidates = [
            i
            for i, s in enumerate(sentences)
            if words(s)
            and not is_dateline(s)
            and not looks_like_credit(s)
            and not is_agency_dateline(s)
        ]
    if not candidates:
        return []
    if len(candidates) <= count:
        return [sentences[i] for i in candidates]
    strategy = strategy_class(language, title)
    # a ranking strategy ranks spares too: the next best when a pick must wait (coherent)
    wanted = count * 2 if strategy.ranks else count
    picked = strategy([sentences[i] for i in candidates], wanted)
    ranked = list(dict.fromkeys(candidates[i] for i in picked))
    indices = coherent(sentences, candidates, ranked, count, language)
    log.debug("%s picked sentences %s of %d", algorithm, indices, len(sentences))
    return [sentences[i] for i in indices]


def points_back(sentence: str, language: str = "en") -> bool:
    """True when ``sentence`` opens with a personal pronoun, which names someone the
    sentences before it introduced: "He said that…", "Она добавила…", "За його словами…"."""
    pattern = _POINTS_BACK.get(_norm_language(language), _POINTS_BACK["en"])
    return bool(pattern.match(sentence.lstrip()))


def lede(sentences: Sequence[str], candidates: Sequence[int], language: str = "en") -> int | None:
    """The index of the article's lede: its first candidate that is a full sentence (ends
    as one, is no caption over a credit line, names its subject), within the first
    :data:`LEDE_WITHIN` candidates; None when there is none."""
    for index in candidates[:LEDE_WITHIN]:
        sentence = sentences[index]
        caption = index + 1 < len(sentences) and looks_like_credit(sentences[index + 1])
        if _TERMINAL.search(sentence) and not caption and not points_back(sentence, language):
            return index
    return None


def coherent(
    sentences: Sequence[str],
    candidates: Sequence[int],
    ranked: Sequence[int],
    count: int,
    language: str = "en",
) -> list[int]:
    """At most ``count`` picks that read as a story, in article order, from a strategy's
    picks (``ranked``: indices into ``sentences``, best first; the other candidates follow
    in article order):

    * the lede comes first: when the strategy left it out, it takes the place of the last
      ranked pick (for sumy's strategies, which return article order, the latest one);
    * a sentence that opens with a pronoun (:func:`points_back`) is taken only once the
      candidate before it is, so no pronoun is left without its antecedent; until then
      the next-ranked sentence takes its turn.
    """
    previous = {c: p for p, c in pairwise(candidates)}
    order = list(dict.fromkeys([*ranked, *candidates]))
    first = lede(sentences, candidates, language)
    chosen = [first] if first is not None else []
    while len(chosen) < count:
        taken = set(chosen)
        following = next(
            (
                i
                for i in order
                if i not in taken
                and (not points_back(sentences[i], language) or previous.get(i) in taken)
            ),
            None,
        )
        if following is None:
            break
        chosen.append(following)
    return sorted(chosen)


def summarize(
    text: str,
    language: str = "en",
    count: int = 4,
    algorithm: str = DEFAULT_ALGORITHM,
    title: str | None = None,
) -> list[str]:
    """The ``count`` sentences of ``text`` that best summarize it, verbatim and in order.

    ``language`` is "en", "ru" or "uk" (anything else is treated as English);
    ``title``, if known, helps the default ranker and Edmundson.
    """
    return summarize_sentences(split_sentences(text, language), language, count, algorithm, title)
