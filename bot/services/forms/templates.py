"""Built-in Russian forms, as data. The vocabulary follows the seeds (входная и итоговая анкеты,
«отчёт о совместной работе», «самоанализ управленческой практики»: организация образовательного
процесса, школьная инфраструктура, ценностные ориентиры; направления ОГЭ/ЕГЭ, ВПР, олимпиады,
функциональная грамотность, работа с детьми с ОВЗ).

A template becomes a `Form` row (no network) the first time it is used. Changing a template's questions
means raising its `version`: answers already given keep the definition they were given to.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from db.models.forms import FormKind

DIRECTIONS = ["ОГЭ/ЕГЭ", "ВПР", "Олимпиады", "Функциональная грамотность", "Работа с детьми с ОВЗ"]

DEFICITS = [
    "Планирование урока по обновлённым ФГОС",
    "Формирование функциональной грамотности",
    "Подготовка обучающихся к ОГЭ/ЕГЭ",
    "Подготовка к ВПР",
    "Работа с одарёнными детьми и олимпиадниками",
    "Работа с детьми с ОВЗ",
    "Оценивание и работа с результатами",
    "Цифровые образовательные ресурсы",
    "Мотивация обучающихся",
    "Работа с родителями",
]


@dataclass(frozen=True)
class Template:
    code: str
    kind: FormKind
    title: str
    definition: dict[str, Any]
    version: int = 1


def _q(qid: str, qtype: str, text: str, *, required: bool = True, options: list[str] | None = None,
       min: float | None = None, max: float | None = None, hint: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": qid, "type": qtype, "text": text, "required": required}
    if options:
        data["options"] = options
    if min is not None:
        data["min"] = min
    if max is not None:
        data["max"] = max
    if hint:
        data["hint"] = hint
    return data


TEMPLATES: tuple[Template, ...] = (
    Template("reflection", FormKind.REFLECTION, "Рефлексия после мероприятия", {
        "intro": "Три коротких вопроса о прошедшем мероприятии. Ответы видит только координатор.",
        "questions": [
            _q("usefulness", "scale", "Насколько полезным было для вас мероприятие?", min=1, max=5,
               hint="1 — совсем бесполезно, 5 — очень полезно"),
            _q("apply", "text", "Что из услышанного вы примените в своей работе?"),
            _q("missing", "text", "Чего вам не хватило? Что стоит изменить в следующий раз?", required=False),
        ]}),
    Template("mentee_satisfaction", FormKind.SATISFACTION, "Удовлетворённость наставляемого", {
        "questions": [
            _q("overall", "scale", "Насколько вы удовлетворены работой с наставником?", min=1, max=5,
               hint="1 — совсем не удовлетворён(а), 5 — полностью удовлетворён(а)"),
            _q("frequency", "single", "Как часто проходили ваши встречи с наставником?",
               options=["Еженедельно", "2–3 раза в месяц", "Раз в месяц", "Реже раза в месяц"]),
            _q("helped", "multi", "В чём наставничество помогло вам больше всего?",
               options=DIRECTIONS + ["Методика урока", "Классное руководство и воспитательная работа",
                                     "Работа с документацией"]),
            _q("fewer_deficits", "yesno", "Стало ли меньше профессиональных затруднений, с которыми вы пришли?"),
            _q("continue", "yesno", "Хотели бы вы продолжить работу с наставником?"),
            _q("wishes", "text", "Ваши пожелания наставнику и координатору", required=False),
        ]}),
    Template("mentor_satisfaction", FormKind.SATISFACTION, "Удовлетворённость наставника", {
        "questions": [
            _q("overall", "scale", "Насколько вы удовлетворены работой в паре или группе?", min=1, max=5),
            _q("engagement", "scale", "Оцените вовлечённость ваших наставляемых", min=1, max=5),
            _q("obstacles", "multi", "Что мешало совместной работе?", required=False,
               options=["Нехватка времени", "Несовпадение графиков", "Низкая мотивация наставляемого",
                        "Недостаток методических материалов", "Удалённость школ", "Ничего не мешало"]),
            _q("support", "text", "Какая поддержка методической службы вам нужна?", required=False),
            _q("continue", "yesno", "Готовы ли вы продолжить наставничество в следующем году?"),
        ]}),
    Template("entry", FormKind.ENTRY, "Входная анкета участника программы", {
        "intro": "Анкета помогает подобрать наставника и спланировать работу. Она займёт несколько минут.",
        "questions": [
            _q("experience", "number", "Ваш педагогический стаж, полных лет", min=0, max=60),
            _q("deficits", "multi", "Какие профессиональные дефициты вы у себя отмечаете?", options=DEFICITS),
            _q("directions", "multi", "По каким направлениям вам нужна помощь наставника?", options=DIRECTIONS),
            _q("readiness", "scale", "Насколько вы сейчас готовы справляться с отмеченными трудностями сами?",
               min=1, max=5, hint="1 — нужна большая помощь, 5 — справляюсь самостоятельно"),
            _q("format", "single", "Какой формат наставничества вам удобнее?",
               options=["Очно, в паре", "Онлайн", "В группе", "Смешанный"]),
            _q("expectations", "text", "Чего вы ждёте от участия в программе?", required=False),
        ]}, version=2),
    Template("final", FormKind.FINAL, "Итоговая анкета участника программы", {
        "questions": [
            _q("readiness", "scale", "Насколько вы сейчас готовы сами справляться с профессиональными трудностями, "
               "над которыми работали в программе?", min=1, max=5,
               hint="1 — нужна большая помощь, 5 — справляюсь самостоятельно"),
            _q("deficits_left", "multi", "Какие профессиональные дефициты у вас остались?", required=False,
               options=DEFICITS),
            _q("useful_formats", "multi", "Какие формы работы оказались самыми полезными?",
               options=["Встречи с наставником", "Открытые уроки", "Семинары и вебинары", "Круглые столы",
                        "Мастер-классы", "Совместная разработка материалов"]),
            _q("results", "text", "Каких результатов вы достигли за время участия?"),
            _q("continue", "yesno", "Хотели бы вы продолжить участие в программе?"),
        ]}, version=2),
    Template("joint_report", FormKind.REPORT, "Отчёт о совместной работе за полугодие", {
        "intro": "Отчёт наставника о работе пары или группы за полугодие.",
        "questions": [
            _q("period", "single", "За какой период отчёт?", options=["I полугодие", "II полугодие"]),
            _q("sessions", "number", "Сколько встреч (занятий) проведено за период?", min=0, max=500),
            _q("formats", "multi", "Какие формы работы использовались?",
               options=["Консультации", "Посещение и анализ уроков", "Открытые уроки", "Совместное планирование",
                        "Мастер-классы", "Семинары, вебинары", "Разработка методических материалов"]),
            _q("plan_done", "single", "Выполнен ли план совместной работы (ИППР)?",
               options=["Полностью", "Частично", "Не выполнен"]),
            _q("results", "text", "Основные результаты совместной работы"),
            _q("difficulties", "text", "С какими трудностями столкнулись?", required=False),
            _q("next_steps", "text", "Задачи на следующее полугодие"),
        ]}),
    Template("self_analysis", FormKind.SELF_ANALYSIS, "Самоанализ деятельности школы", {
        "intro": "Самоанализ управленческой практики школы по итогам года.",
        "questions": [
            _q("process", "scale", "Оцените изменения в организации образовательного процесса", min=1, max=5),
            _q("process_notes", "text", "Что изменилось в организации образовательного процесса?"),
            _q("infrastructure", "scale", "Оцените изменения школьной инфраструктуры", min=1, max=5),
            _q("values", "scale", "Оцените изменения ценностных ориентиров (школьный климат, мотивация)",
               min=1, max=5),
            _q("dynamics", "single", "Динамика образовательных результатов (ВПР, ОГЭ/ЕГЭ) за год",
               options=["Положительная", "Без изменений", "Отрицательная", "Нет данных"]),
            _q("measures_share", "number", "Доля выполненных мероприятий дорожной карты школы, %", min=0, max=100),
            _q("plans", "text", "Задачи на следующий учебный год"),
        ]}),
)

BY_CODE: dict[str, Template] = {template.code: template for template in TEMPLATES}


def template(code: str) -> Template:
    return BY_CODE[code]
