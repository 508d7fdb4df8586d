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
