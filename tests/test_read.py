"""The reader: short spans that keep a number's scale and unit."""

from __future__ import annotations

import pytest

from summarizer.spans import asked, extract


@pytest.mark.parametrize(
    ("sentence", "question", "amount"),
    [
        (
            "City experts say there is a £10bn black hole in the public finances.",
            "How big is the black hole?",
            "£10bn",
        ),
        ("Yukos will seek $20bn in damages from the buyer.", "How much will Yukos seek?", "$20bn"),
        ("Inbev will pay $259.7m for the stake.", "How much will Inbev pay?", "$259.7m"),
        ("The pipeline will be 912km long.", "How long will the pipeline be?", "912km"),
    ],
)
def test_a_number_keeps_the_scale_and_unit_written_onto_it(
    sentence: str, question: str, amount: str
) -> None:
    spans = extract(asked(question, "number"), sentence, "en")
    assert spans, sentence
    assert spans[0].text == amount


@pytest.mark.parametrize(
    ("question", "concept"),
    [
        ("Хто очолює державну компанію?", "lead"),  # очолювати: the lexicon's "lead"
        ("Хто міністр закордонних справ?", "foreign"),
        ("Скільки робочих місць скоротять?", "cut"),
    ],
)
def test_ukrainian_questions_are_read_with_ukrainian_lemmas(question: str, concept: str) -> None:
    from summarizer.question import analyse_question

    q = analyse_question(question)
    assert q.language == "uk"
    assert concept in [t.key for t in q.terms]


@pytest.mark.parametrize(
    ("written", "dictionary"),
    [
        ("Дениса Суареса", "Денис Суарес"),
        ("Анатолия Кондратенко", "Анатолий Кондратенко"),
        ("Москве", "Москва"),
        ("проспекте Сахарова", "проспекте Сахарова"),  # not one name as a whole: as written
        ("Li Zhaoxing", "Li Zhaoxing"),
    ],
)
def test_russian_people_and_places_are_given_in_the_nominative(
    written: str, dictionary: str
) -> None:
    from summarizer.read import dictionary_form

    assert dictionary_form(written, "ru") == dictionary
