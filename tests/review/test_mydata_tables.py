"""/mydata's tables: no word is broken across lines by a too narrow column (dates, «Олимпиадные», «Комментарий»
were), and the columns fill the A4 line."""
from __future__ import annotations

from bot.services.mydata import CHAR_CM, PAD_CM, TEXT_WIDTH_CM, column_widths

HEADER = ["Дата", "Тема", "Формат", "Минут", "Заметка", "Оценка", "Комментарий"]
ROWS = [["05.07.2026", "Олимпиадные задачи: с чего начать", "онлайн", "60", "", "5", ""],
        ["09.07.2026", "Работа с детьми с ОВЗ на уроке", "очно", "45", "", "", ""]]


def test_every_column_holds_its_longest_word() -> None:
    widths = column_widths(HEADER, ROWS)
    assert abs(sum(widths) - TEXT_WIDTH_CM) < 0.01
    for index, width in enumerate(widths):
        words = [HEADER[index], *(word for row in ROWS for word in row[index].split())]
        assert width >= max(len(w) for w in words) * CHAR_CM + PAD_CM - 0.01, (HEADER[index], width)


def test_spare_room_goes_to_the_longer_texts() -> None:
    widths = column_widths(["Мероприятие", "Ответ", "Когда"],
                           [["Семинар «Формирующее оценивание на уроках математики в 5–9 классах»", "пойду",
                             "02.12.2026 16:45"]])
    assert widths[0] == max(widths) and widths[0] > 2 * widths[1]
