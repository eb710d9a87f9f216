"""Uploaded form definitions: XLSX sheets, YAML and JSON, and the errors a coordinator reads."""
from __future__ import annotations

import io
import json

import pytest
from openpyxl import Workbook

from bot.i18n import Translator
from bot.services.errors import DomainError
from bot.services.forms.definitions import DefinitionError
from bot.services.forms.upload import parse_text, parse_upload
from handlers.forms import _issues_text


def xlsx(rows: list[list[object]], *, sheet: str = "Лист1", extra_sheet: bool = False) -> bytes:
    workbook = Workbook()
    if extra_sheet:
        workbook.active.title = "Инструкция"
        workbook.active.append(["Заполните лист «Вопросы»"])
        target = workbook.create_sheet("Вопросы")
    else:
        target = workbook.active
        target.title = sheet
    for row in rows:
        target.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HEADER = ["№", "Вопрос", "Тип вопроса", "Варианты ответа", "Обязательный", "Мин", "Макс", "Подсказка"]


def test_a_sheet_with_a_title_above_the_header() -> None:
    data = xlsx([["Анкета наставника"], [], HEADER,
                 [1, "Сколько у вас наставляемых?", "число", None, "да", 0, 10, None],
                 [2, "Оцените поддержку ИМЦ", "Шкала", None, None, 1, 10, "1 — нет поддержки"],
                 [3, "Направления", "несколько вариантов", "ОГЭ/ЕГЭ;ВПР\nОлимпиады", "нет", None, None, None],
                 [None, None, None, None, None, None, None, None],
                 [4, "Когда была последняя встреча?", "дата", None, "Нет", None, None, None]],
                extra_sheet=True)
    draft = parse_upload(data, "наставник.xlsx")
    assert draft.title == "Анкета наставника" and draft.kind == "custom"
    questions = draft.definition.questions
    assert [(x.id, x.type, x.required) for x in questions] == [
        ("q1", "number", True), ("q2", "scale", True), ("q3", "multi", False), ("q4", "date", False)]
    assert questions[0].max == 10 and isinstance(questions[0].max, int)
    assert questions[1].hint == "1 — нет поддержки"
    assert questions[2].options == ("ОГЭ/ЕГЭ", "ВПР", "Олимпиады")


def test_the_title_falls_back_to_the_caption_then_the_file_name() -> None:
    data = xlsx([["вопрос", "тип"], ["Что получилось?", "текст"]])
    assert parse_upload(data, "итоги года.xlsx", caption="Итоги года: опрос").title == "Итоги года: опрос"
    assert parse_upload(data, "итоги года.xlsx").title == "итоги года"


def test_sheet_errors_name_the_row_and_the_column() -> None:
    data = xlsx([HEADER,
                 [1, "Оценка", "шкала", None, "да", 5, 1, None],
                 [2, None, "текст", None, None, None, None, None],
                 [3, "Формат", "один вариант", "Очно; Очно", None, None, None, None],
                 [4, "Сколько?", "число", None, None, "много", None, None]])
    with pytest.raises(DefinitionError) as caught:
        parse_upload(data, "a.xlsx")
    text = _issues_text(caught.value, Translator("ru"))
    assert "Строка 2, «мин»: минимум 5 больше максимума 1." in text
    assert "Строка 3, «вопрос»: не заполнен текст вопроса." in text
    assert "Строка 4, «варианты»: вариант «Очно» повторяется." in text
    assert "Строка 5, «мин»: «много» — это не число." in text
    english = _issues_text(caught.value, Translator("en"))
    assert "Row 2, «min» (мин): the minimum 5 is above the maximum 1." in english


def test_unreadable_files_get_one_clear_message() -> None:
    for data, name, key in ((b"not a zip", "a.xlsx", "forms.upload.bad_xlsx"),
                            (b"\xd0\xcf\x11\xe0", "a.xls", "forms.upload.old_excel"),
                            (b"%PDF", "a.pdf", "forms.upload.bad_format"),
                            (b"x" * 1_000_001, "a.json", "forms.upload.too_big"),
                            (b'{"title": "A", "questions": [}', "a.json", "forms.upload.bad_json")):
        with pytest.raises(DomainError) as caught:
            parse_upload(data, name)
        assert caught.value.key == key, name
    with pytest.raises(DefinitionError) as caught:
        parse_upload(xlsx([["Название"], ["что-то"]]), "a.xlsx")
    assert caught.value.issues[0].key == "forms.upload.no_header"


def test_yaml_with_russian_keys_and_a_bare_list() -> None:
    draft = parse_text("""
название: Входная диагностика
вид: входная
вопросы:
  - вопрос: Стаж
    тип: число
    мин: 0
  - вопрос: Предметы
    тип: несколько вариантов
    варианты: [Математика, Физика, Химия]
    обязательный: нет
  - Что хотите получить от программы?
""")
    assert draft.title == "Входная диагностика" and draft.kind == "entry"
    assert [q.type for q in draft.definition.questions] == ["number", "multi", "text"]
    bare = parse_text('- text: "Как дела?"\n  type: text\n', fallback_title="Быстрый опрос")
    assert bare.title == "Быстрый опрос" and len(bare.definition.questions) == 1


def test_yaml_and_json_errors() -> None:
    with pytest.raises(DomainError) as caught:
        parse_text("title: A\nquestions:\n  - text: B\n   type: text\n")
    assert caught.value.key == "forms.upload.bad_yaml" and caught.value.values["line"] == 4
    with pytest.raises(DefinitionError) as caught:
        parse_text(json.dumps({"title": "A", "questions": [{"text": "B", "тип": "текст", "colour": "red"}, 5]}))
    assert [(i.where[1]["n"], i.key) for i in caught.value.issues] == [
        (1, "forms.def.unknown_key"), (2, "forms.def.question_not_mapping")]
    with pytest.raises(DefinitionError) as caught:
        parse_text(json.dumps({"title": "A", "items": []}))
    assert caught.value.issues[0].key == "forms.def.no_questions_key"
    with pytest.raises(DefinitionError) as caught:
        parse_text(json.dumps({"questions": [{"text": "B", "type": "text"}]}))
    assert caught.value.issues[0].key == "forms.def.no_title"
    with pytest.raises(DefinitionError) as caught:
        parse_text(json.dumps({"title": "A", "questions": [{"text": f"Q{i}", "type": "text"} for i in range(51)]}))
    assert caught.value.issues[0].key == "forms.def.too_many_questions"
