"""broadcast: queue a text for an audience of a network (the running bot delivers it); broadcast status ID."""
from __future__ import annotations

import math
from pathlib import Path

import typer

from bot.cli import in_session, run_async, settings_or_exit
from bot.i18n import t
from bot.services.clock import SystemClock

MAX_TEXT = 4096
AUDIENCES = ("everyone", "mentors", "participants", "coordinators")

app = typer.Typer(help="Рассылки: поставить в очередь и посмотреть ход доставки.", invoke_without_command=True)


def _seconds(value: float | None) -> str:
    if value is None:
        return "—"
    value = max(1, math.ceil(value))
    minutes, seconds = divmod(value, 60)
    return f"{minutes} мин {seconds} с" if minutes else f"{seconds} с"


@app.callback()
def broadcast(
    ctx: typer.Context,
    network: str = typer.Option(None, "--network", help="slug сети"),
    text: str = typer.Option(None, "--text", help="текст сообщения (до 4096 символов)"),
    audience: str = typer.Option("everyone", "--audience",
                                 help="кому: everyone | mentors | participants | coordinators"),
    html: bool = typer.Option(False, "--html", help="текст размечен HTML (<b>, <i>, <a href>)"),
    respect_quiet_hours: bool = typer.Option(
        False, "--respect-quiet-hours",
        help="в тихие часы сети отложить рассылку до их конца (по умолчанию оператор отправляет сразу)"),
) -> None:
    """Поставить рассылку в очередь: печатает её номер и число получателей; доставляет запущенный бот."""
    if ctx.invoked_subcommand is not None:
        return
    if not network or text is None:
        typer.echo(ctx.get_help())
        typer.echo("\nУкажите --network и --text (или команду status НОМЕР).", err=True)
        raise typer.Exit(2)
    if audience not in AUDIENCES:
        typer.echo(f"Неизвестная аудитория «{audience}». Возможные: {', '.join(AUDIENCES)}.", err=True)
        raise typer.Exit(2)
    if not text.strip():
        typer.echo(t("broadcast.empty_text"), err=True)
        raise typer.Exit(2)
    if len(text) > MAX_TEXT:
        typer.echo(t("broadcast.too_long", limit=MAX_TEXT), err=True)
        raise typer.Exit(2)
    settings = settings_or_exit()
    payload = {"type": "text", "text": text, "parse_mode": "HTML" if html else None}

    async def work(session):  # type: ignore[no-untyped-def]
        from bot.services import quiet_hours
        from bot.services.broadcasts import create_broadcast
        from bot.services.networks import get_network

        clock = SystemClock()
        found = await get_network(session, network)
        quiet_end = quiet_hours.now_quiet(found.settings, found.timezone, clock.now())
        created, count = await create_broadcast(session, found, payload, audience, None, clock,
                                                ignore_quiet_hours=not respect_quiet_hours)
        window = quiet_hours.of(found.settings).label
        local_end = quiet_end.astimezone(quiet_hours.zone(found.timezone)).strftime("%H:%M") if quiet_end else None
        return created.id, count, created.skipped, found.name, window, local_end

    broadcast_id, count, skipped, name, window, quiet_end = run_async(in_session(settings, work))
    typer.echo(f"Рассылка №{broadcast_id} поставлена в очередь: сеть «{name}», "
               f"аудитория — {t(f'audience.{audience}')}, получателей: {count}.")
    if quiet_end and count:
        if respect_quiet_hours:
            typer.echo(f"Сейчас в сети тихие часы ({window}): рассылка начнётся в {quiet_end}.")
        else:
            typer.echo(f"Сейчас в сети тихие часы ({window}), но рассылка уйдёт сразу "
                       f"(чтобы отложить до {quiet_end}, добавьте --respect-quiet-hours).")
    if skipped:
        typer.echo(f"Недоступны и пропущены: {skipped} (заблокировали бота или нет Telegram).")
    if count:
        typer.echo(f"Её отправит запущенный бот (python main.py run). Ход: python main.py broadcast status {broadcast_id}")


@app.command("status")
def status(broadcast_id: int = typer.Argument(..., help="номер рассылки"),
           out: Path = typer.Option(None, "--out", dir_okay=False,
                                    help="сохранить в XLSX, кому рассылка не дошла и почему (тот же файл, "
                                         "что получает координатор в чате)")) -> None:
    """Показать ход рассылки: доставлено, ошибки, недоступны, осталось."""
    settings = settings_or_exit()

    async def work(session):  # type: ignore[no-untyped-def]
        from bot.services.broadcasts import broadcast_progress, unreached_report

        progress = await broadcast_progress(session, broadcast_id, clock=SystemClock(),
                                            rate=settings.rate_global_per_sec)
        reasons: dict[str, int] = {}
        unreached = await unreached_report(session, broadcast_id) if progress.failed or out else []
        for row in unreached:
            if row.status == "failed":
                key = (row.reason or "?")[:80]
                reasons[key] = reasons.get(key, 0) + 1
        return progress, reasons, unreached

    progress, reasons, unreached = run_async(in_session(settings, work))
    typer.echo(f"Рассылка №{progress.broadcast_id}: {t(f'broadcast.status.{progress.status}')} "
               f"[{progress.bar()}] {round(progress.fraction * 100)}%")
    typer.echo(f"Доставлено: {progress.sent} из {progress.total}")
    typer.echo(f"Ошибки: {progress.failed}; недоступны: {progress.unreachable}"
               + (f"; пропущены при постановке: {progress.skipped}" if progress.skipped else ""))
    if progress.cancelled:
        typer.echo(f"Отменено: {progress.cancelled}")
    if progress.pending:
        typer.echo(f"В очереди: {progress.pending}; осталось примерно {_seconds(progress.eta_seconds)}")
    for reason, count in sorted(reasons.items(), key=lambda item: -item[1])[:5]:
        typer.echo(f"  {count} × {reason}")
    if out is not None:
        from bot.services.broadcasts import report_xlsx

        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(report_xlsx(unreached, title=t("broadcast.xlsx.title", id=progress.broadcast_id)))
        typer.echo(f"Кому не дошла (строк: {len(unreached)}): {out}")
