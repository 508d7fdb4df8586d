"""summarizer.errors: codes, their English sentences, and their translations in bot.reasons.

Every code has an English template, a message id in bot.reasons and a translation in
ru and uk; every place in summarizer/ and bot/ that makes an error names a known code
with the template's parameters (an AST scan); a sentence gives its code back.
"""

from __future__ import annotations

import ast
import pickle
import re
from pathlib import Path
from string import Formatter

import pytest

from bot import i18n, reasons, texts
from summarizer import errors
from summarizer.errors import MESSAGES, BadInput, FetchFailed, NewsbotError, parse

ROOT = Path(__file__).resolve().parent.parent
CYRILLIC = re.compile(r"[а-яіїєґё]", re.IGNORECASE)
ERROR_CLASSES = {
    name
    for name, obj in vars(errors).items()
    if isinstance(obj, type) and issubclass(obj, NewsbotError)
}


# one message id for two sentences: "x.example means/resolves to 10.0.0.1" both "lead to" it
REWORDED = {"fetch.host_means", "fetch.host_resolves"}


def _fields(template: str) -> dict[str, str]:
    """name -> format spec of each field of a template."""
    return {name: spec or "" for _, name, spec, _ in Formatter().parse(template) if name}


def _sample(code: str) -> NewsbotError:
    """The error of ``code`` with a value for each field (a number where a spec needs one)."""
    params: dict[str, object] = {
        name: 7.5 if spec else f"<{name}&1>" for name, spec in _fields(MESSAGES[code]).items()
    }
    return NewsbotError(code, **params)


def test_str_is_the_english_sentence() -> None:
    error = FetchFailed("fetch.gave_up", host="x.example", seconds=10.0)
    assert str(error) == "x.example did not answer in time (gave up after 10 s)."
    assert error.code == "fetch.gave_up"
    assert error.params == {"host": "x.example", "seconds": 10.0}
    assert error.fields() == {"host": "x.example", "seconds": "10"}
    spaces = BadInput("source.spaces", value="a b")
    assert str(spaces) == "'a b' is not one channel or URL: it contains spaces"
    assert repr(spaces) == "BadInput('source.spaces', value='a b')"
    # an unknown code still says what it was (and the bot gives its generic text)
    assert str(BadInput("no.such_code", x=1)) == "no.such_code (x=1)"


def test_errors_survive_pickling() -> None:
    error = FetchFailed("fetch.status", host="x.example", status="503 Service Unavailable")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is FetchFailed
    assert (copy.code, copy.params, str(copy)) == (error.code, error.params, str(error))


def test_the_module_docstring_lists_every_code() -> None:
    listed = set(re.findall(r"\b([a-z]+\.[a-z_]*\*?)", errors.__doc__ or ""))
    for code in MESSAGES:
        family = code.split(".")[0] + ".*"
        prefixes = {name[:-1] for name in listed if name.endswith("*")}
        assert code in listed or family in listed or any(code.startswith(p) for p in prefixes), code


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_code_has_a_message_id_that_says_the_same(code: str) -> None:
    """bot.reasons' message id, filled in English, is exactly ``str(err)``."""
    assert code in reasons.REASONS, f"add {code!r} to bot/reasons.py"
    error = _sample(code)
    message = reasons.REASONS[code]
    assert set(_fields(message)) == set(_fields(MESSAGES[code])), code
    end = "." if MESSAGES[code].endswith(".") and not message.endswith(".") else ""
    if code not in REWORDED:
        assert message.format(**error.fields()) + end == str(error)
    assert reasons.reason(error) == str(error)  # English: the library's sentence


@pytest.mark.parametrize("language", ["ru", "uk"])
@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_code_is_translated(code: str, language: str) -> None:
    error = _sample(code)
    with i18n.using(language):
        translated = reasons.reason(error)
        reply = texts.failed(error)
    assert translated != str(error)
    assert CYRILLIC.search(translated), translated
    assert reply.startswith("Извините: " if language == "ru" else "Вибачте: "), reply
    assert "<name&1>" not in reply  # the fields are escaped with the rest


def test_no_message_id_is_left_without_a_code() -> None:
    assert set(reasons.REASONS) == set(MESSAGES)


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_a_sentence_gives_its_code_back(code: str) -> None:
    """What Source.last_error keeps (the sentence) is translated like the error itself."""
    error = _sample(code)
    found = parse(str(error))
    assert found is not None, str(error)
    found_code, fields = found
    assert MESSAGES[found_code] == MESSAGES[code]  # two codes may share one sentence
    assert fields == error.fields()
    with i18n.using("ru"):
        assert reasons.reason(str(error)) == reasons.reason(error)


def test_an_unknown_sentence_is_not_parsed() -> None:
    assert parse("something new happened.") is None
    assert parse("") is None


def _error_calls(path: Path) -> list[ast.Call]:
    calls = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in ERROR_CLASSES:
            calls.append(node)
    return calls


def _problems(path: Path) -> list[str]:
    problems = []
    for call in _error_calls(path):
        where = f"{path.parent.name}/{path.name}:{call.lineno}"
        first = call.args[0] if call.args else None
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            problems.append(f"{where}: the code is not a string literal")
            continue
        if first.value not in MESSAGES:
            problems.append(f"{where}: unknown code {first.value!r}")
            continue
        if len(call.args) > 1 or any(k.arg is None for k in call.keywords):
            problems.append(f"{where}: parameters must be keywords")
            continue
        given = {k.arg for k in call.keywords}
        wanted = set(_fields(MESSAGES[first.value]))
        if given != wanted:
            problems.append(f"{where}: {first.value} takes {sorted(wanted)}, got {sorted(given)}")
    return problems


def test_the_scan_finds_bad_raise_sites(tmp_path: Path) -> None:
    bad = tmp_path / "sample.py"
    bad.write_text(
        "raise BadInput('no such file: x')\n"
        "raise FetchFailed(code)\n"
        "raise BadInput('core.file_missing')\n"
        "raise errors.NotAnArticle('extract.no_text', extra=1)\n"
        "raise BadInput('core.file_missing', path=p)\n",
        encoding="utf-8",
    )
    assert [p.split(":")[1] for p in _problems(bad)] == ["1", "2", "3", "4"]


def test_every_error_made_in_summarizer_and_bot_names_a_known_code() -> None:
    files = sorted((ROOT / "summarizer").rglob("*.py")) + sorted((ROOT / "bot").rglob("*.py"))
    made = sum(len(_error_calls(f)) for f in files)
    assert made >= 80  # the scan sees the raise sites
    assert [p for f in files for p in _problems(f)] == []
