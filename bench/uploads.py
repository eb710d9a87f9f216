"""Hostile uploads against the running bot: each is refused with a message while another person's /menu stays fast.

    python bench/uploads.py [--database-url postgresql+asyncpg://…]

The bot runs as a real process (`python main.py run`, default settings) polling the loopback Telegram, which
lives in this script's process. A coordinator opens «Импорт таблиц» and sends the bombs of the security review,
made here (none is stored anywhere), then opens «Загрузить анкету» and types a billion-laughs YAML and a deeply
nested JSON; all the while a teacher sends /menu about once a second (Telegram lets a bot answer one chat about
once a second, and the bot's limiter keeps to it, so both chats are paced accordingly). Printed: for each file, its size, how long
until the bot answered and what it said; the teacher's /menu latency over the whole run; the peak resident
memory of the bot's process and of the largest upload worker (RLIMIT_AS caps them at UPLOAD_PARSE_MEMORY_MB).
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import network_with  # noqa: E402
from tests.e2e.process import BotProcess, clean_env  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.uploads.bombs import billion_laughs, cell, people_header, row, workbook  # noqa: E402

COORDINATOR = 4_000_001
TEACHER = 4_000_002
PACE = 1.2  # seconds between one person's messages: over Telegram's ~1 message a second per chat


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    return parser.parse_args()


def bombs() -> list[tuple[str, str, bytes]]:
    many_cells = "".join(f'<c r="A1"><v>{n % 10}</v></c>' for n in range(3_000_000))
    return [
        ("a row numbered 100,000,000", "people.xlsx",
         workbook([people_header(), row(100_000_000, [cell("A100000000", "Иванова Мария Петровна")])])),
        ("1,000,000 empty rows", "people.xlsx", workbook([people_header(), *("<row/>" for _ in range(1_000_000))])),
        ("a merged range and a dimension over the whole sheet", "people.xlsx",
         workbook([people_header(), row(2, [cell("A2", "Петрова Анна Сергеевна")])], merged="A1:XFD1048576",
                  dimension="A1:XFD1048576")),
        ("3,000,000 cells in one row", "people.xlsx", workbook([f'<row r="1">{many_cells}</row>'])),
        ("a filled cell in column XFD", "people.xlsx",
         workbook([people_header(), row(2, [cell("A2", "Петрова Анна Сергеевна"), cell("XFD2", "x")])])),
        ("broken XML", "people.xlsx", workbook([], sheet_xml="<worksheet><sheetData><row r='1'><c r='A1'>")),
        ("a CSV of 100,000 rows", "people.csv",
         ("ФИО;ОО\n" + "Иванова Мария Петровна;СОШ № 3\n" * 100_000).encode()),
        ("a CSV with a runaway quote", "people.csv", ('ФИО;ОО\n"Иванова' + "я" * 200_000).encode()),
    ]


class Memory:
    """Peak resident memory of the bot's process and of its largest child (an upload worker)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.main = 0
        self.worker = 0

    @staticmethod
    def _rss(pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def _children(self, pid: int) -> list[int]:
        found = []
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                found += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
        return found

    async def watch(self) -> None:
        while True:
            self.main = max(self.main, self._rss(self.pid))
            stack = self._children(self.pid)
            while stack:
                child = stack.pop()
                self.worker = max(self.worker, self._rss(child))
                stack += self._children(child)
            await asyncio.sleep(0.05)


async def answer_to(fake: FakeTelegram, chat: int, mark: int, timeout: float = 120) -> tuple[float, str]:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        sent = [s for s in fake.sent_to(chat) if s.seq > mark]
        if sent:
            return time.monotonic() - started, (sent[-1].plain_text or "").replace("\n", " ")
        await asyncio.sleep(0.01)
    return timeout, "(no answer)"


async def teacher_menus(fake: FakeTelegram, stop: asyncio.Event) -> list[float]:
    latencies = []
    while not stop.is_set():
        mark = fake.last_seq
        fake.push_update(fake.updates.command(TEACHER, "/menu", first_name="Анна"))
        seconds, _ = await answer_to(fake, TEACHER, mark, timeout=30)
        latencies.append(seconds)
        await asyncio.sleep(max(0.0, PACE - seconds))
    return latencies


async def main() -> None:
    args = parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite+aiosqlite:///{tmp.name}/bench.sqlite3"
    await network_with(url, [(COORDINATOR, "Орлова Галина Ивановна", True),
                             (TEACHER, "Петрова Анна Сергеевна", False)])
    results = []
    async with FakeTelegram(limits=True) as fake:
        env = clean_env(BOT_TOKEN=fake.token, BOT_API_URL=fake.base_url, DATABASE_URL=url, LOG_LEVEL="WARNING")
        bot = await BotProcess(env, Path(tmp.name) / "bot.log").start()
        assert bot.proc is not None
        memory = Memory(bot.proc.pid)
        watcher = asyncio.create_task(memory.watch())
        try:
            await bot.polling(fake)
            stop = asyncio.Event()
            menus = asyncio.create_task(teacher_menus(fake, stop))
            mark = fake.last_seq
            fake.push_update(fake.updates.callback(COORDINATOR, "mc:imp:0:0"))
            await answer_to(fake, COORDINATOR, mark)
            for label, name, data in bombs():
                await asyncio.sleep(PACE)
                record = fake.add_file(data, file_name=name)
                mark = fake.last_seq
                fake.push_update(fake.updates.document(COORDINATOR, file_name=name, file_size=len(data),
                                                       file_id=record.file_id,
                                                       mime_type="application/octet-stream"))
                seconds, said = await answer_to(fake, COORDINATOR, mark)
                results.append((label, len(data), seconds, said))
            await asyncio.sleep(PACE)
            mark = fake.last_seq
            fake.push_update(fake.updates.callback(COORDINATOR, "fc:up:0:0"))
            await answer_to(fake, COORDINATOR, mark)
            for label, typed in (("a billion-laughs YAML, typed (559 characters)", billion_laughs()),
                                 ("JSON nested 3,000 deep, typed", '{"questions": ' + "[" * 3000)):
                await asyncio.sleep(PACE)
                mark = fake.last_seq
                fake.push_update(fake.updates.message(COORDINATOR, typed, first_name="Галина"))
                seconds, said = await answer_to(fake, COORDINATOR, mark)
                results.append((label, len(typed.encode()), seconds, said))
            stop.set()
            latencies = await menus
        finally:
            await bot.stop()
            watcher.cancel()
    tmp.cleanup()
    print("the bomb                                              size      answered in  what the coordinator read")
    for label, size, seconds, said in results:
        print(f"{label:52} {size / 1024:8.0f} KB {seconds:8.2f} s   {said[:70]}")
    ordered = sorted(latencies)
    print(f"teacher's /menu during all of it ({len(ordered)}): p50 {statistics.median(ordered) * 1000:.0f} ms, "
          f"p95 {ordered[int(0.95 * (len(ordered) - 1))] * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms")
    print(f"peak resident memory: the bot's process {memory.main / 2**20:.0f} MB, "
          f"the largest upload worker {memory.worker / 2**20:.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
