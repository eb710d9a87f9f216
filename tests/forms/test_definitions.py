"""Questions, answers and templates: pure checks, no database."""
from __future__ import annotations

from datetime import date

import pytest

from bot.services.forms import messages
from bot.services.forms.definitions import (
    AnswerError,
    DefinitionError,
    Question,
    button_value,
    check_definition,
    check_selection,
    parse_date,
    parse_typed,
    toggle_option,
)
from bot.services.forms.templates import TEMPLATES
from db.models.forms import FormKind
from keyboards.forms import FormBoardCb, FormCoordCb, FormMineCb, FormOpenCb, FormStepCb

TODAY = date(2026, 11, 24)


def q(qtype: str, **kw) -> Question:  # type: ignore[no-untyped-def]
    return Question(id="x", type=qtype, text="?", **kw)


def error_key(question: Question, text: str) -> str:
    with pytest.raises(AnswerError) as caught:
        parse_typed(question, text, TODAY)
    return caught.value.key


def test_every_template_is_a_valid_definition_and_all_kinds_are_covered() -> None:
    for template in TEMPLATES:
        definition = check_definition(template.definition)
        assert len(definition.questions) >= 3, template.code
    assert {t.kind for t in TEMPLATES} == set(FormKind) - {FormKind.CUSTOM}
    reflection = next(t for t in TEMPLATES if t.code == "reflection")
    questions = check_definition(reflection.definition).questions
    assert [(x.id, x.type, x.required) for x in questions] == [
        ("usefulness", "scale", True), ("apply", "text", True), ("missing", "text", False)]
    entry = check_definition(next(t for t in TEMPLATES if t.code == "entry").definition)
    directions = next(x for x in entry.questions if x.id == "directions")
    assert set(directions.options) == {"ОГЭ/ЕГЭ", "ВПР", "Олимпиады", "Функциональная грамотность",
                                       "Работа с детьми с ОВЗ"}


def test_numbers_scales_and_text() -> None:
    number = q("number", min=0, max=40)
    assert parse_typed(number, " 12 ", TODAY) == 12
    assert parse_typed(number, "3,5", TODAY) == 3.5
    assert error_key(number, "двенадцать") == "forms.answer.not_a_number"
    assert error_key(number, "41") == "forms.answer.number_between"
    assert error_key(q("number", min=1), "0") == "forms.answer.number_at_least"
    assert parse_typed(q("number"), "-7", TODAY) == -7
    scale = q("scale", min=0, max=10)
    assert parse_typed(scale, "10", TODAY) == 10
    assert error_key(scale, "11") == "forms.answer.scale"
    assert error_key(scale, "2.5") == "forms.answer.scale"
    assert error_key(q("text"), "   ") == "forms.answer.empty"
    assert error_key(q("text", max=5), "слишком длинно") == "forms.answer.too_long"
    assert parse_typed(q("text"), "  Ок  ", TODAY) == "Ок"


def test_choices_and_yes_no() -> None:
    single = q("single", options=("Очно", "Онлайн"))
    assert parse_typed(single, "2", TODAY) == "Онлайн"
    assert parse_typed(single, "очно", TODAY) == "Очно"
    assert error_key(single, "3") == "forms.answer.pick_option"
    multi = q("multi", options=("ВПР", "ОГЭ", "ЕГЭ"), max=2)
    assert parse_typed(multi, "3, 1", TODAY) == ["ВПР", "ЕГЭ"]
    assert error_key(multi, "1 2 3") == "forms.answer.choose_at_most"
    assert toggle_option(multi, ["ВПР"], 2) == ["ВПР", "ЕГЭ"]
    assert toggle_option(multi, ["ВПР", "ЕГЭ"], 0) == ["ЕГЭ"]
    with pytest.raises(AnswerError):
        toggle_option(multi, [], 9)
    with pytest.raises(AnswerError) as caught:
        check_selection(multi, [])
    assert caught.value.key == "forms.answer.pick_some"
    assert check_selection(q("multi", options=("a", "b"), required=False), []) == []
    yesno = q("yesno")
    assert parse_typed(yesno, "Да!", TODAY) is True
    assert parse_typed(yesno, "нет", TODAY) is False
    assert error_key(yesno, "может быть") == "forms.answer.yes_or_no"
    assert button_value(yesno, 1, TODAY) is True
    assert button_value(q("scale"), 5, TODAY) == 5
    for question, value in ((q("scale"), 6), (single, 2), (yesno, 2)):
        with pytest.raises(AnswerError):
            button_value(question, value, TODAY)


@pytest.mark.parametrize("text, expected", [
    ("24.11.2026", date(2026, 11, 24)), ("5.3.2026", date(2026, 3, 5)), ("01.09", date(2026, 9, 1)),
    ("01.09.25", date(2025, 9, 1)), ("сегодня", TODAY), ("Вчера", date(2026, 11, 23)),
    ("позавчера", date(2026, 11, 22)), ("2026-02-28", date(2026, 2, 28)), ("15/10/2026", date(2026, 10, 15)),
])
def test_dates(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected
    assert parse_typed(q("date"), text, TODAY) == expected.isoformat()


def test_bad_dates_are_explained() -> None:
    assert error_key(q("date"), "31.02.2026") == "forms.answer.no_such_date"
    assert error_key(q("date"), "в пятницу") == "forms.answer.bad_date"
    assert button_value(q("date"), 1, TODAY) == "2026-11-23"


def test_a_definition_reports_every_problem_at_once() -> None:
    with pytest.raises(DefinitionError) as caught:
        check_definition({"questions": [
            {"text": "", "type": "text"},
            {"text": "Тип?", "type": "радио-кнопки"},
            {"text": "Выбор", "type": "single", "options": ["один"]},
            {"text": "Шкала", "type": "scale", "min": 1, "max": 30},
            {"text": "Да или нет", "type": "yesno", "options": ["да", "нет"]},
            {"text": "Код", "type": "text", "id": "Плохой код"},
        ]})
    found = [(issue.where[1]["n"], issue.field, issue.key) for issue in caught.value.issues]
    assert found == [(1, "text", "forms.def.no_text"), (2, "type", "forms.def.bad_type"),
                     (3, "options", "forms.def.few_options"), (4, "max", "forms.def.scale_span"),
                     (5, "options", "forms.def.options_not_used"), (6, "id", "forms.def.bad_id")]


def test_callbacks_fit_telegram_and_the_outbox_button_matches() -> None:
    big = 2**31 - 1
    packed = [FormOpenCb(r=big).pack(), FormStepCb(s=big, q=49, a="sub", v=big).pack(), FormMineCb(p=big).pack(),
              FormCoordCb(a="closeok", id=big, p=big).pack(), FormBoardCb(r=big, s=big, p=big).pack()]
    assert all(len(data.encode()) <= 64 for data in packed), packed
    assert FormOpenCb(r=1234).pack() == messages.open_callback(1234)
