"""Importing the answering code loads no model, no NLP library and no data: that happens
when the first question is parsed, off the event loop, never while the bot imports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("sumy", "nltk", "spacy", "natasha", "slovnet", "pymorphy2", "pymorphy3")
HEAVY += ("trafilatura", "lingua", "razdel", "numpy", "stop_words")

SCRIPT = """
import json, sys, time
started = time.process_time()  # CPU time: the machine's load does not count
import {module}
seconds = time.process_time() - started
print(json.dumps({{"seconds": seconds, "modules": sorted(sys.modules)}}))
"""


@pytest.mark.parametrize("module", ["summarizer", "summarizer.answer", "bot.app"])
def test_importing_loads_no_nlp_library(module: str) -> None:
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(module=module)],
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(run.stdout)
    loaded = {name.split(".")[0] for name in found["modules"]}
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    # loading sumy and NLTK alone took 0.75 s; the bound is loose, it catches that, not noise
    assert found["seconds"] < 1.5, found["seconds"]


def test_the_check_sees_a_heavy_import() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            SCRIPT.format(module="summarizer.summarize; import sumy.nlp.stemmers"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "sumy" in {name.split(".")[0] for name in json.loads(run.stdout)["modules"]}
