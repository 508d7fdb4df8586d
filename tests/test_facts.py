"""Entity keys, sides, roles and relations, on sentences of our own."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.article import Article
from summarizer.core import digest, read_file, store_digest
from summarizer.entities import entity_key, side_of
from summarizer.facts import Fact, analyse
from summarizer.lexicon import concept
from summarizer.pending import read_pending
from summarizer.store import Store, open_store
from tests.conftest import ISTANBUL, SEEDS


@pytest.mark.parametrize(
    ("names", "label"),
    [
        (["Ivan Gorsky", "Gorsky", "Gorskyy", "Горский", "Gorskiy"], "PERSON"),
        (["Anna Berg", "Berg", "Берг"], "PERSON"),
        (["Norway", "Oslo", "Norwegian", "Норвегия"], "GPE"),
        (["Russia", "Moscow", "the Kremlin", "Russian", "Russia’s", "Россия", "российский"], "GPE"),
        (["United States", "U.S.", "Washington", "the White House", "American"], "GPE"),
    ],
)
def test_spellings_share_a_key(names: list[str], label: str) -> None:
    keys = {entity_key(name, label) for name in names}
    assert len(keys) == 1, keys


def test_different_things_keep_different_keys() -> None:
    assert side_of("Norway") != side_of("Sweden")
    assert entity_key("Anna Berg", "PERSON") != entity_key("Anna Lund", "PERSON")
    assert side_of("Leipzig") is None


def test_synonyms_meet_in_one_concept() -> None:
    assert concept("head") == concept("chair") == concept("возглавить") == concept("lead")
    assert concept("team") == concept("делегация") == concept("delegation")


def _facts(text: str, language: str = "en") -> list[Fact]:
    from summarizer.sentences import split_sentences

    return analyse(split_sentences(text, language), language).facts


def _rel(facts: list[Fact], predicate: str) -> list[tuple[str, str | None]]:
    return [(f.subject, f.object) for f in facts if f.kind == "rel" and f.predicate == predicate]


def test_passive_voice_gives_the_agent_as_subject() -> None:
    facts = _facts("Sweden's delegation was headed by Trade Minister Ebba Lind.")
    assert ("Ebba Lind", "Sweden's delegation") in _rel(facts, "lead")
    lead = next(f for f in facts if f.predicate == "lead")
    assert "side:se" in lead.object_terms


def test_relative_clause_and_object_control() -> None:
    facts = _facts(
        "Senior aide Tomas Vik, who Prime Minister Erna Dahl asked to lead Oslo's team, "
        "said the talks went well."
    )
    leaders = [subject for subject, _ in _rel(facts, "lead")]
    assert leaders == ["Tomas Vik"]  # not Dahl, who stands nearest to "lead"


def test_sent_to_lead() -> None:
    facts = _facts("Instead, the president sent Anna Berg to lead Norway's delegation.")
    assert [s for s, _ in _rel(facts, "lead")] == ["Anna Berg"]


def test_roles_from_titles_and_appositions() -> None:
    facts = _facts(
        "Norway's chief negotiator, Fisheries Minister Cecilie Myrseth, met reporters. "
        "Later, former Finance Minister Lund arrived."
    )
    roles = {(f.subject, f.predicate) for f in facts if f.kind == "role"}
    assert ("Cecilie Myrseth", "Fisheries Minister") in roles
    assert ("Cecilie Myrseth", "Norway's chief negotiator") in roles
    assert ("Lund", "former Finance Minister") in roles


def test_a_surname_alone_gets_the_full_name_from_the_same_article() -> None:
    facts = _facts("Trade Minister Ebba Lind arrived on Monday. Lind said the deal was close.")
    said = [f for f in facts if f.predicate == "say"]
    assert said
    assert said[0].subject == "Ebba Lind"


def test_russian_roles_and_relations() -> None:
    facts = _facts(
        "Делегацию Норвегии возглавил министр рыболовства Сесилие Мюрсет. "
        "Об этом сообщил пресс-секретарь правительства Андрей Иванов.",
        "ru",
    )
    roles = {(f.subject, f.predicate) for f in facts if f.kind == "role"}
    assert any(
        subject.startswith("Андрей Иванов") and "пресс-секретарь" in role for subject, role in roles
    ), roles
    lead = [f for f in facts if f.kind == "rel" and f.predicate == "lead"]
    assert lead
    assert "side:no" in lead[0].object_terms


# -- facts only in the languages the parsers know ------------------------------------

_ENGLISH = (
    "Fisheries Minister Cecilie Lund said on Tuesday that the new quota would cut the cod "
    "catch by a fifth. The fishing industry spokesman, Lars Holm, told reporters that the "
    "decision ignored the advice of the scientists who had studied the stock for years, "
    "and that boats from the northern ports would be hit hardest."
)
_PORTUGUESE = (
    "A ministra das Pescas, Cecília Lund, disse na terça-feira que a nova quota vai reduzir "
    "a captura de bacalhau em um quinto. O porta-voz da indústria pesqueira, Lars Holm, "
    "afirmou aos jornalistas que a decisão ignorou os conselhos dos cientistas que estudam "
    "os estoques há anos, e que os barcos dos portos do norte serão os mais atingidos."
)
_BULGARIAN = (
    "Министърът на рибарството Сесилия Лунд заяви във вторник, че новата квота ще намали "
    "улова на треска с една пета. Говорителят на рибарската индустрия Ларс Холм каза пред "
    "журналисти, че решението не се съобразява със съветите на учените, които изучават "
    "запасите от години, и че лодките от северните пристанища ще бъдат засегнати най-много."
)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        (_ENGLISH, "en", True),
        (_PORTUGUESE, "en", False),  # Latin letters, closest to English, not English
        (_BULGARIAN, "ru", False),  # Cyrillic, closest to Russian, not Russian
        ("東京で新しい法律が成立した。" * 10 + " Apple iPhone", "en", False),
        ("Anna Berg resigned.", "en", True),  # too short to judge: the script decides
    ],
)
def test_written_in_tells_a_supported_language_from_its_neighbours(
    text: str, language: str, expected: bool
) -> None:
    from summarizer.language import written_in

    assert written_in(text, language) is expected


def test_no_facts_from_a_page_in_another_language() -> None:
    from summarizer.article import Article
    from summarizer.core import digest

    english = digest(Article(text=_ENGLISH, title="Cod quota cut"))
    assert english.article.language == "en"
    assert english.analysis is not None
    assert any(f.subject == "Cecilie Lund" for f in english.analysis.facts)

    portuguese = digest(Article(text=_PORTUGUESE, title="Quota de bacalhau reduzida"))
    assert portuguese.summary  # still summarized, with the closest splitter
    assert portuguese.analysis is None
    assert portuguese.to_json()["facts"] == []
    # asked for explicitly, the parser runs anyway
    forced = digest(Article(text=_PORTUGUESE, title="Quota de bacalhau reduzida"), language="en")
    assert forced.analysis is not None


# -- facts read after the article is stored ------------------------------------------------


def _fact_rows(store: Store) -> list[tuple[object, ...]]:
    return sorted(
        (f.position, f.kind, f.subject_key, f.predicate, f.object or "", tuple(f.object_terms))
        for f in store.find_facts(limit=5000)
    )


def test_facts_read_later_are_the_facts_read_at_ingest(tmp_path: Path) -> None:
    article = read_file(ISTANBUL)
    with (
        open_store(str(tmp_path / "now.db")) as now,
        open_store(str(tmp_path / "later.db")) as later,
    ):
        store_digest(now, digest(article))
        stored = store_digest(later, digest(read_file(ISTANBUL), facts=False))
        assert later.count_pending_facts() == 1
        assert later.find_facts(limit=5000) == []
        assert later.mentions_in([(stored.article_id, 0)]) == []

        assert read_pending(later) == 1
        assert later.count_pending_facts() == 0
        assert _fact_rows(later) == _fact_rows(now)
        assert len(_fact_rows(now)) > 10
        assert read_pending(later) == 0  # nothing is read twice


def test_an_article_in_another_language_is_read_as_having_no_facts(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "n.db")) as store:
        store_digest(store, digest(Article(text=_PORTUGUESE, title="Quota"), facts=False))
        store_digest(store, digest(Article(text=_ENGLISH, title="Cod quota cut"), facts=False))
        assert store.count_pending_facts() == 2
        assert read_pending(store) == 2
        assert store.count_pending_facts() == 0
        assert {f.subject for f in store.find_facts(limit=100)} >= {"Cecilie Lund"}
        assert all(f.article_id == 2 for f in store.find_facts(limit=100))


def test_a_question_reads_the_facts_of_the_articles_it_finds(tmp_path: Path) -> None:
    from summarizer.answer import answer_question, facts_about

    with open_store(str(tmp_path / "n.db")) as store:
        for path in sorted(SEEDS.glob("*.txt")):
            store_digest(store, digest(read_file(path), facts=False))
        pending = store.count_pending_facts()
        assert pending >= 2
        answer = answer_question(store, "Who led Russia's delegation?")
        assert answer.answer is not None
        assert "Medinsky" in answer.answer
        # the Istanbul article was read; articles the search did not find were not
        assert 0 < store.count_pending_facts() < pending
        assert facts_about(store, "Medinsky")


async def test_the_leaders_job_reads_pending_facts_in_the_background(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from bot import app

    with open_store(str(tmp_path / "n.db")) as store:
        store_digest(store, digest(read_file(ISTANBUL), facts=False))
        context = SimpleNamespace(bot_data=SimpleNamespace(store=store))
        await app._facts_job(context)  # type: ignore[arg-type]
        assert store.count_pending_facts() == 0
        assert store.find_facts(predicates=["lead"])


def test_read_all_pending_reads_in_batches_until_none_is_left(tmp_path: Path) -> None:
    from summarizer.pending import read_all_pending

    with open_store(str(tmp_path / "n.db")) as store:
        for n in range(3):
            text = _ENGLISH.replace("Tuesday", f"day {n}")
            store_digest(store, digest(Article(text=text, title=f"Cod {n}"), facts=False))
        assert list(read_all_pending(store, batch=2)) == [2, 1]
        assert store.count_pending_facts() == 0
        assert list(read_all_pending(store)) == []
