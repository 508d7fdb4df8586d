# ruff: noqa: E501  (the sample articles keep one paragraph per line)
"""Tests of the summarization stage (no network; the BBC test skips without the data)."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import ClassVar

import pytest

from summarizer.errors import BadInput
from summarizer.sentences import has_words, looks_like_credit, paragraphs, split_sentences
from summarizer.summarize import (
    ALGORITHMS,
    DEFAULT_ALGORITHM,
    NewsRanker,
    is_candidate,
    points_back,
    summarize,
    summarize_sentences,
)
from tests.conftest import ISTANBUL

EN_TEXT = """LONDON (Reuters) -

The city council approved a new budget for public transport on Tuesday, raising spending on buses and trams by a fifth over the next three years.

Council leader Mary Jones said the budget would pay for forty new electric buses and longer tram services at night. Critics said the transport budget ignored cyclists, who were promised new lanes last year. The council said cycling would get its own budget in the spring.

Photo: Getty Images

Bus fares will stay frozen until 2026 under the plan, the council said. Passenger groups welcomed the fare freeze but warned that the bus network still had too few drivers. The transport union said it would meet the council next week to discuss driver pay.

Read more.

The new budget must still be approved by the regional transport authority, which meets in March. A spokesman for the authority said it expected to approve the council's transport plan without changes.
"""

RU_TEXT = """ТАСС, 10 августа.

Москва.

В.В. Путин провел совещание с членами правительства по вопросам развития транспорта в регионах. Президент поручил подготовить программу обновления автобусного парка до конца года.

Фото: РИА Новости

По словам министра транспорта, в прошлом году регионы получили более двух тысяч новых автобусов. Министр отметил, что программа обновления транспорта будет продолжена в следующем году. Правительство планирует выделить на программу дополнительные средства из федерального бюджета.

Губернаторы регионов попросили увеличить финансирование ремонта дорог. Президент согласился, что ремонт дорог остается важной задачей для регионов. Решение о дополнительном финансировании будет принято осенью, сообщили в правительстве.
"""

DATELINES_AND_CAPTIONS = {
    "LONDON (Reuters) -",
    "Photo: Getty Images",
    "Read more.",
    "ТАСС, 10 августа.",
    "Москва.",
    "Фото: РИА Новости",
}

BBC = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "summaries-bbc"


def _check_verbatim_in_order(summary: list[str], text: str, language: str) -> None:
    sentences = split_sentences(text, language)
    positions = [sentences.index(s) for s in summary]  # ValueError if not verbatim
    assert positions == sorted(positions)
    assert len(set(positions)) == len(positions)


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
@pytest.mark.parametrize(("text", "language"), [(EN_TEXT, "en"), (RU_TEXT, "ru")])
def test_every_algorithm_gives_verbatim_sentences_in_order(
    algorithm: str, text: str, language: str
) -> None:
    summary = summarize(text, language, count=3, algorithm=algorithm, title="Transport budget")
    assert 1 <= len(summary) <= 3
    _check_verbatim_in_order(summary, text, language)


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
@pytest.mark.parametrize(("text", "language"), [(EN_TEXT, "en"), (RU_TEXT, "ru")])
def test_datelines_captions_and_fragments_are_never_chosen(
    algorithm: str, text: str, language: str
) -> None:
    for count in (1, 2, 4, 50):
        summary = summarize(text, language, count=count, algorithm=algorithm)
        assert not DATELINES_AND_CAPTIONS & set(summary)


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8])
def test_count_is_respected(count: int) -> None:
    summary = summarize(EN_TEXT, "en", count=count)
    assert len(summary) == count
    _check_verbatim_in_order(summary, EN_TEXT, "en")


def test_count_larger_than_article_gives_every_real_sentence() -> None:
    summary = summarize(EN_TEXT, "en", count=100)
    assert len(summary) == 9
    assert not DATELINES_AND_CAPTIONS & set(summary)


def test_default_algorithm_is_ours() -> None:
    assert DEFAULT_ALGORITHM == "news"
    assert DEFAULT_ALGORITHM in ALGORITHMS


def test_default_prefers_the_lead_of_a_news_story() -> None:
    summary = summarize(EN_TEXT, "en", count=2)
    assert summary[0].startswith("The city council approved a new budget")


def test_unknown_algorithm_is_bad_input_naming_the_valid_ones() -> None:
    with pytest.raises(BadInput) as caught:
        summarize(EN_TEXT, algorithm="magic")
    message = str(caught.value)
    assert "magic" in message
    for name in ALGORITHMS:
        assert name in message


@pytest.mark.parametrize("count", [0, -1])
def test_count_below_one_is_bad_input(count: int) -> None:
    with pytest.raises(BadInput):
        summarize(EN_TEXT, count=count)


def test_russian_uses_razdel_and_keeps_initials_together() -> None:
    summary = summarize(RU_TEXT, "ru", count=50)
    assert summary[0] == (
        "В.В. Путин провел совещание с членами правительства по вопросам развития "
        "транспорта в регионах."
    )
    assert all(not s.endswith("В.") for s in summary)


def test_ukrainian_and_unknown_languages_work() -> None:
    uk = (
        "Київ.\n\nУряд України схвалив нову програму розвитку громадського транспорту. "
        "Програма передбачає закупівлю нових автобусів для громад. Міністр сказав, що "
        "автобуси отримають насамперед невеликі громади. Гроші на програму виділять з бюджету."
    )
    summary = summarize(uk, "uk", count=2)
    assert len(summary) == 2
    assert "Київ." not in summary
    assert summarize(EN_TEXT, "de", count=2) == summarize(EN_TEXT, "en", count=2)


def test_summarize_sentences_takes_a_ready_split() -> None:
    sentences = split_sentences(EN_TEXT, "en")
    assert summarize_sentences(sentences, "en", 3) == summarize(EN_TEXT, "en", 3)
    assert summarize_sentences([], "en", 3) == []
    assert summarize_sentences(["Москва."], "ru", 3) == []


def test_only_short_sentences_still_give_a_summary() -> None:
    assert summarize("Rain today. Sun tomorrow.", "en", count=1, algorithm="news") == [
        "Rain today."
    ]


def test_duplicate_sentences_map_back_to_distinct_positions() -> None:
    sentences = [
        "The council approved the transport budget on Tuesday.",
        "Bus fares will stay frozen until next year under the plan.",
        "The council approved the transport budget on Tuesday.",
        "Critics said the budget ignored cyclists and pedestrians.",
    ]
    for algorithm in ALGORITHMS:
        summary = summarize_sentences(sentences, "en", 3, algorithm)
        assert len(summary) == 3


@pytest.mark.slow
@pytest.mark.skipif(not (BBC / "Summaries").is_dir(), reason="no BBC eval data")
def test_default_holds_its_own_on_bbc() -> None:
    """On 30 BBC articles: far above LEAD-K, and level with Reduction.

    Over the whole set ours beats Reduction by about a point of ROUGE-1, but
    the per-article difference has a spread of about 9 points, so 30 articles
    cannot show a win reliably; the test allows a small margin instead.
    """
    rouge_scorer = pytest.importorskip("rouge_score.rouge_scorer")
    from bench.summaries import load

    items = load(BBC)[::74][:30]
    scorer = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=True)
    means = {}
    for name in ("news", "reduction", "lead"):
        total = 0.0
        for item in items:
            summary = summarize(item.body, "en", len(item.reference), name, item.title)
            total += scorer.score(" ".join(item.reference), " ".join(summary))["rouge1"].fmeasure
        means[name] = total / len(items)
    assert means["news"] > means["lead"] + 0.05
    assert means["news"] > means["reduction"] - 0.03


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
def test_wire_datelines_with_their_agency_are_never_chosen(algorithm: str) -> None:
    text = (
        "ВЛАДИВОСТОК, 10 авг – РИА Новости.\n\n"
        "Восемнадцать туристов застряли на пляже в Приморье из-за ливней, сообщает МЧС. "
        "Спасатели доставили туристам воду и продукты. Туристов вывезут после спада воды."
    )
    for count in (1, 2):
        summary = summarize(text, "ru", count=count, algorithm=algorithm)
        assert "ВЛАДИВОСТОК, 10 авг – РИА Новости." not in summary
        assert len(summary) == count


def test_a_dash_after_a_dateline_is_not_always_an_agency() -> None:
    from summarizer.summarize import is_agency_dateline

    assert is_agency_dateline("БУЭНОС-АЙРЕС, 10 авг – РИА Новости.")
    assert is_agency_dateline("MOSCOW, 5 May - Interfax.")
    assert not is_agency_dateline("LONDON, 5 May - Prices rose sharply across the city today.")
    assert not is_agency_dateline("Москва, 10 августа – президент подписал указ о назначении.")


def test_russian_one_sentence_summary_is_the_lede_not_a_deck() -> None:
    # The deck above the story has no final stop; the wire lede follows the dateline. The
    # third sentence repeats more of the others (most central), but Russian wire copy
    # puts its point first.
    text = (
        'В финале он сыграет с другим представителем Англии, "Ливерпулем"\n\n'
        "МОСКВА, 9 мая - Интерфакс.\n\n"
        'Лондонский "Тоттенхэм" победил "Аякс" в полуфинале Лиги чемпионов и вышел в финал. '
        '"Аякс" вел в счете после первого тайма. '
        'Во втором тайме "Тоттенхэм" забил "Аяксу" три мяча в полуфинале Лиги чемпионов '
        "и вышел в финал Лиги чемпионов. "
        "Финал Лиги чемпионов пройдет в Мадриде."
    )
    assert summarize(text, "ru", count=1) == [
        'Лондонский "Тоттенхэм" победил "Аякс" в полуфинале Лиги чемпионов и вышел в финал.'
    ]


def test_bench_rouge_tokenizer_gives_rouge_scores_own_tokens() -> None:
    tokenizers = pytest.importorskip("rouge_score.tokenizers")
    from bench.summaries import RougeTokenizer

    text = "Running runners ran 3.5 miles; the councils' budgets were approved, ÉTÉ naïve."
    ours = RougeTokenizer()
    assert ours.tokenize(text) == tokenizers.DefaultTokenizer(use_stemmer=True).tokenize(text)
    assert ours.tokenize(text) == ours.tokenize(text)  # the remembered tokens are the same


@pytest.mark.skipif(not (BBC / "Summaries").is_dir(), reason="no BBC eval data")
def test_bench_scores_do_not_depend_on_the_number_of_workers() -> None:
    pytest.importorskip("rouge_score")
    from bench import summaries

    items = summaries.load(BBC)[::300][:6]
    names = ["lead", "reduction", "news"]
    one = summaries.run(items, names, progress=False, jobs=1)
    two = summaries.run(items, names, progress=False, jobs=2)
    assert [r.name for r in two] == names
    assert [r.scores for r in one] == [r.scores for r in two]
    assert all(len(r.millis) == len(items) for r in two)


def _centrality_of_every_pair(bags: list[Counter[str]]) -> list[float]:
    """NewsRanker's centrality the plain way: every pair of bags compared."""
    logs = [math.log(sum(bag.values())) if bag else 0.0 for bag in bags]
    centrality = [0.0] * len(bags)
    for i in range(len(bags)):
        for j in range(i + 1, len(bags)):
            shared = sum((bags[i] & bags[j]).values())
            if shared:
                norm = logs[i] + logs[j]
                weight = shared / norm if norm > 0 else float(shared)
                centrality[i] += weight
                centrality[j] += weight
    return centrality


class _CentralityOnly(NewsRanker):
    position_weight = 0.0
    language_position_weight: ClassVar[dict[str, float]] = {}


@pytest.mark.parametrize(("text", "language"), [(EN_TEXT, "en"), (RU_TEXT, "ru")], ids=["en", "ru"])
def test_news_centrality_is_that_of_comparing_every_pair(text: str, language: str) -> None:
    # The ranker only looks at pairs that share a word; the scores must be those of
    # comparing every pair, to the last bit (repeated words, one-word sentences included).
    sentences = [s for s in split_sentences(text, language) if is_candidate(s)]
    sentences += ["Budget budget budget transport.", "Budget.", "Транспорт.", "2024: 12, 15."]
    ranker = _CentralityOnly(language)
    scores, bags, _ = ranker.scores(sentences)
    centrality = _centrality_of_every_pair(bags)
    top = max(centrality)
    assert top > 0
    assert scores == [c / top for c in centrality]
    assert all(bags[:-1])
    assert not bags[-1]  # numbers only: linked to nothing


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Photo: Getty Images", True),
        ("PHOTO/AFP", True),
        ("Фото: РИА Новости", True),
        ("The minister, seen here in Kyiv. Ukrainian Foreign Ministry VIA AFP", True),
        ("(Reuters)", True),
        ("ſhutterstock", True),  # re matches "ſ" to "s" case-insensitively; str.lower() does not
        ("The council approved a new budget for public transport on Tuesday.", False),
        ("Who took this photo?", False),
        ("A photographer took pictures of the delegation.", False),
    ],
)
def test_credits_are_found_whatever_their_case(line: str, expected: bool) -> None:
    assert looks_like_credit(line) is expected


def test_a_fragment_has_fewer_than_four_words() -> None:
    assert has_words("The council met on Tuesday.", 4)
    assert has_words("U.S. state-run rock'n'roll bands", 4)
    assert not has_words("U.S. state-run bands.", 4)
    assert has_words("", 0)
    assert not has_words("", 1)


def test_paragraphs_put_each_paragraph_on_one_line() -> None:
    text = " One\u00a0 two\tthree\n four. \n \n\n\u2003Five\u2028six. \n\n \n"
    assert paragraphs(text) == ["One two three four.", "Five six."]


@pytest.mark.parametrize(
    "paragraph",
    [
        "The council approved the budget.",
        "Transport budget approved",
        "Dr. Smith went home. He was tired.",
        'He said "no." Then he left!',
        "Wait . . . what?! Really?",
        "It rose 3.5% on Tuesday",
        "Why?",
    ],
)
def test_english_paragraphs_split_as_punkt_splits_them(paragraph: str) -> None:
    # One-sentence paragraphs skip Punkt; the split is the same as Punkt's.
    from summarizer.sentences import _punkt

    expected = [s.strip() for s in _punkt("english").tokenize(paragraph) if s.strip()]
    assert split_sentences(paragraph, "en") == expected


# -- issue 16, finding 9: the lede first, no pronoun without its antecedent -----------------

LEDE = "Russia and Ukraine have agreed to a major prisoner exchange"

EN_PRONOUN_TEXT = (
    "The central bank raised its main interest rate to five percent on Thursday, its first increase in two years. "
    "Governor Anna Berg told reporters in the capital that inflation had stayed too high for too long. "
    "She said the bank would raise the interest rate again if inflation stayed high, and that the bank would keep the interest rate high until inflation fell. "
    "Markets had expected the bank to wait until the spring. "
    "The currency rose after the decision."
)
RU_PRONOUN_TEXT = (
    "Центральный банк повысил ключевую ставку до 15 процентов в пятницу, впервые за два года. "
    "Председатель банка Анна Берг сообщила журналистам, что инфляция слишком долго остается высокой. "
    "Она заявила, что банк снова повысит ключевую ставку, если инфляция останется высокой, и что банк сохранит высокую ключевую ставку, пока инфляция не снизится. "
    "Рынки ожидали, что банк подождет до весны. "
    "Курс рубля вырос после решения."
)


def _loose(summary: list[str], sentences: list[str], language: str) -> list[str]:
    """The summary's sentences that open with a pronoun whose previous sentence is missing."""
    at = {s: i for i, s in enumerate(sentences)}
    return [s for s in summary if points_back(s, language) and sentences[at[s] - 1] not in summary]


def test_the_seed_summary_opens_with_its_lede_never_with_he_said() -> None:
    from summarizer import core

    article = core.read_file(str(ISTANBUL))
    sentences = split_sentences(article.text, "en")
    for count in range(1, 8):
        summary = summarize_sentences(sentences, "en", count, title=article.title)
        assert summary[0].startswith(LEDE), (count, summary[0])
        assert not summary[0].startswith("He said"), count
    for algorithm in ALGORITHMS:  # every strategy: no pronoun left without its antecedent
        for count in range(1, 8):
            summary = summarize_sentences(sentences, "en", count, algorithm, article.title)
            assert _loose(summary, sentences, "en") == [], (algorithm, count)
            assert not points_back(summary[0], "en"), (algorithm, count)


@pytest.mark.parametrize(
    ("text", "language", "lede", "antecedent", "pronoun"),
    [
        (EN_PRONOUN_TEXT, "en", "The central bank raised", "Governor Anna Berg", "She said"),
        (RU_PRONOUN_TEXT, "ru", "Центральный банк повысил", "Председатель банка", "Она заявила"),
    ],
)
def test_a_pronoun_sentence_comes_with_its_antecedent_and_the_lede_comes_first(
    text: str, language: str, lede: str, antecedent: str, pronoun: str
) -> None:
    # the pronoun's sentence repeats the most words (most central): alone it would be
    # the one-sentence summary, with nobody for "She"/"Она" to be
    sentences = split_sentences(text, language)
    assert summarize_sentences(sentences, language, 1)[0].startswith(lede)
    for count in (2, 3):
        for algorithm in ALGORITHMS:
            summary = summarize_sentences(sentences, language, count, algorithm)
            assert summary[0].startswith(lede), (algorithm, count, summary)
            assert _loose(summary, sentences, language) == [], (algorithm, count, summary)
            if any(s.startswith(pronoun) for s in summary):
                assert any(s.startswith(antecedent) for s in summary), (algorithm, summary)


@pytest.mark.parametrize(
    ("sentence", "language", "expected"),
    [
        ("He said that Moscow is ready to talk.", "en", True),
        ("Their offer was refused.", "en", True),
        ("According to her, the talks failed.", "en", True),
        ("It is unclear whether the talks will go on.", "en", False),
        ("Heavy rain fell overnight.", "en", False),
        ("There was no deal.", "en", False),
        ("Она пояснила, что баллы будут выставлять.", "ru", True),
        ("По его словам, переговоры продолжатся.", "ru", True),
        ("Онлайн-трансляция начнется в полдень.", "ru", False),
        ("Имя победителя объявят завтра.", "ru", False),
        ("За його словами, переговори тривають.", "uk", True),
        ("Вони домовилися про обмін.", "uk", True),
        ("Війська відійшли.", "uk", False),
    ],
)
def test_which_sentences_point_back(sentence: str, language: str, expected: bool) -> None:
    assert points_back(sentence, language) is expected
