"""invite create: prints the deep link to hand out."""
from __future__ import annotations

import typer
from sqlalchemy import select

from bot.cli import in_session, run_async, settings_or_exit
from bot.services import invites
from bot.services.clock import SystemClock
from bot.services.errors import DomainError
from bot.services.networks import get_network
from db.models import Role, School

app = typer.Typer(help="Приглашения.", no_args_is_help=True)


@app.command("create")
def create(
    network: str = typer.Option(..., "--network", help="slug сети"),
    role: Role = typer.Option(Role.PARTICIPANT, "--role", help="роль приглашённого"),
    school: str = typer.Option(None, "--school", help="название или id школы (необязательно)"),
    uses: int = typer.Option(1, "--uses", min=0, help="сколько раз можно использовать (0 — без ограничения)"),
    expires_days: int = typer.Option(30, "--expires-days", min=0, help="срок действия в днях (0 — бессрочно)"),
    bot_username: str = typer.Option(None, "--bot-username", help="имя бота для ссылки (иначе спросим у Telegram)"),
) -> None:
    """Создать приглашение и напечатать ссылку."""
    settings = settings_or_exit()

    async def work(session):  # type: ignore[no-untyped-def]
        net = await get_network(session, network)
        school_id = None
        if school:
            query = select(School.id).where(School.network_id == net.id)
            query = query.where(School.id == int(school)) if school.isdigit() else query.where(
                (School.name == school) | (School.short_name == school))
            school_id = await session.scalar(query)
            if school_id is None:
                raise DomainError("errors.no_school", school=school)
        return await invites.create_invite(session, network=net, role=role, clock=SystemClock(),
                                           school_id=school_id, uses=uses or None,
                                           expires_days=expires_days or None)

    invite = run_async(in_session(settings, work))
    if settings.max_enabled and not settings.telegram_enabled:  # MAX only: the link opens the bot in MAX
        username = bot_username or settings.max_bot_username or run_async(_max_bot_username(settings))
        typer.echo(f"https://max.ru/{username}?start={invite.code}")
        return
    username = bot_username or run_async(_bot_username(settings))
    typer.echo(invites.deep_link(username, invite.code))


async def _max_bot_username(settings) -> str:  # type: ignore[no-untyped-def]
    """Asks MAX (`GET /me`) for the bot's name; offline, a placeholder link."""
    from bot.messengers.max.bot import build_max_bot

    bot = build_max_bot(settings, None)
    try:
        me = await bot.me()
        return me.username or "YOUR_BOT"
    except Exception:  # noqa: BLE001 - offline: the code still works, only the link's bot name is unknown
        typer.echo("Не удалось узнать имя бота у MAX; замените YOUR_BOT в ссылке или передайте --bot-username.",
                   err=True)
        return "YOUR_BOT"
    finally:
        await bot.session.close()


async def _bot_username(settings) -> str:  # type: ignore[no-untyped-def]
    """Asks Telegram (or BOT_API_URL) for the bot's name; without a token, a placeholder link."""
    if settings.bot_token is None:
        return "YOUR_BOT"
    from bot.app import build_bot

    bot = build_bot(settings)
    try:
        me = await bot.me()
        return me.username or "YOUR_BOT"
    except Exception:  # noqa: BLE001 - offline: the code still works, only the link's bot name is unknown
        typer.echo("Не удалось узнать имя бота у Telegram; замените YOUR_BOT в ссылке или передайте "
                   "--bot-username.", err=True)
        return "YOUR_BOT"
    finally:
        await bot.session.close()
