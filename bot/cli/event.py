"""event add --network S --title T --start ISO […] [--announce]; event list --network S [--json]."""
from __future__ import annotations

import json
from typing import Any

import typer

from bot.cli import in_session, run_async, settings_or_exit
from bot.cli.roadmap import echo_utf8
from bot.services.clock import SystemClock

AUDIENCES = ("everyone", "mentors", "participants", "coordinators")
STATUS = {"planned": "черновик", "announced": "анонсировано", "cancelled": "отменено", "held": "прошло"}

app = typer.Typer(help="Мероприятия сети: создать (и анонсировать), посмотреть список.", no_args_is_help=True)


@app.command("add")
def add(
    network: str = typer.Option(..., "--network", help="slug сети"),
    title: str = typer.Option(..., "--title", help="название"),
    start: str = typer.Option(..., "--start", help="начало: 2026-12-01T15:00 (местное время сети) или 2026-12-01"),
    end: str = typer.Option(None, "--end", help="окончание (по умолчанию +1,5 часа, или тот же день)"),
    kind: str = typer.Option("seminar", "--kind", help="вид: seminar, webinar, workshop, open_lesson, …"),
    place: str = typer.Option(None, "--place", help="место проведения"),
    link: str = typer.Option(None, "--link", help="ссылка на онлайн-встречу (https://…)"),
    audience: str = typer.Option("everyone", "--audience",
                                 help="кому: everyone | mentors | participants | coordinators"),
    announce: bool = typer.Option(False, "--announce", help="сразу анонсировать (доставит запущенный бот)"),
    respect_quiet_hours: bool = typer.Option(False, "--respect-quiet-hours",
                                             help="в «тихие часы» сети анонс подождёт их окончания"),
) -> None:
    """Создать мероприятие; с --announce — поставить анонс с кнопками «Пойду» / «Не смогу» в очередь."""
    if audience not in AUDIENCES:
        typer.echo(f"Неизвестная аудитория «{audience}». Возможные: {', '.join(AUDIENCES)}.", err=True)
        raise typer.Exit(2)
    settings = settings_or_exit()

    async def work(session):  # type: ignore[no-untyped-def]
        from bot.services.events import core, lifecycle
        from bot.services.events.times import slot_from_iso, zone
        from bot.services.networks import get_network

        clock = SystemClock()
        found = await get_network(session, network)
        slot = slot_from_iso(start, end, zone(found))
        event = await core.create_event(session, found, title=title, slot=slot, kind=kind, place=place, link=link,
                                        audience=audience, clock=clock)
        announced = await lifecycle.announce(session, event, clock, respect_quiet_hours=respect_quiet_hours) \
            if announce else None
        return found.name, event.id, announced

    name, event_id, announced = run_async(in_session(settings, work))
    echo_utf8(f"Мероприятие №{event_id} создано в сети «{name}».")
    if announced is None:
        echo_utf8("Это черновик. Анонсировать: в боте, или python main.py event add … --announce.")
        return
    echo_utf8(f"Анонс поставлен в очередь: получателей {announced.recipients}"
         + (f" (рассылка №{announced.broadcast_id})." if announced.broadcast_id else "."))
    if announced.broadcast_id:
        echo_utf8(f"Его отправит запущенный бот (python main.py run). Ход: python main.py broadcast status "
             f"{announced.broadcast_id}")


@app.command("list")
def list_(
    network: str = typer.Option(..., "--network", help="slug сети"),
    as_json: bool = typer.Option(False, "--json", help="вывести JSON"),
) -> None:
    """Все мероприятия и меры сети по датам: статус, записавшиеся, отметившиеся."""
    settings = settings_or_exit()

    async def work(session):  # type: ignore[no-untyped-def]
        from bot.services.events import core, signups
        from bot.services.events.times import zone
        from bot.services.networks import get_network

        found = await get_network(session, network)
        tz = zone(found)
        events = await core.list_network(session, found.id)
        going = await signups.going_counts(session, [e.id for e in events])
        rows = []
        for event in events:
            came = len(await signups.attendees(session, event.id))
            rows.append(_row(event, tz, going.get(event.id, 0), came))
        return found.name, rows

    name, rows = run_async(in_session(settings, work))
    if as_json:
        echo_utf8(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        echo_utf8(f"В сети «{name}» пока нет мероприятий.")
        return
    echo_utf8(f"Сеть «{name}»: мероприятий и мер — {len(rows)}.")
    for row in rows:
        when = row["starts_at"] or (f"до {row['ends_at']}" if row["ends_at"] else "без даты")
        extra = f"; отметка: {'выполнена' if row['done'] else 'нет'}" if row["is_task"] else \
            f"; записались: {row['going']}, пришли: {row['attended']}"
        number = f"п. {row['number']} " if row["number"] else ""
        echo_utf8(f"№{row['id']} [{STATUS.get(row['status'], row['status'])}] {when[:16].replace('T', ' ')} — "
             f"{number}{row['title']} ({row['kind']}{extra})")


def _iso(moment: Any, tz: Any) -> str | None:
    return moment.astimezone(tz).isoformat() if moment is not None else None


def _row(event: Any, tz: Any, going: int, came: int) -> dict[str, Any]:
    return {"id": event.id, "number": event.number, "section": event.section, "title": event.title,
            "kind": event.kind, "is_task": event.is_task, "status": event.status,
            "starts_at": _iso(event.starts_at, tz), "ends_at": _iso(event.ends_at, tz),
            "periods": [{"start": _iso(p.starts_at, tz), "end": _iso(p.ends_at, tz), "all_day": p.all_day}
                        for p in event.periods],
            "when": event.when_text, "recurrence": event.recurrence, "place": event.place, "link": event.link,
            "audience": event.audience, "announced_at": _iso(event.announced_at, tz),
            "done": event.done_at is not None, "going": going, "attended": came, "warnings": event.warnings}
