"""invite create: prints the deep links to hand out — one per messenger configured (Telegram's first)."""
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
    bot_username: str = typer.Option(None, "--bot-username",
                                     help="имя бота для ссылки (иначе спросим у Telegram; при одном MAX — бот в MAX)"),
    max_bot_username: str = typer.Option(None, "--max-bot-username",
                                         help="имя бота в MAX (иначе MAX_BOT_USERNAME или спросим у MAX)"),
) -> None:
    """Создать приглашение и напечатать ссылки: для Telegram и для MAX (какие мессенджеры настроены)."""
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
    usernames = run_async(bot_usernames(settings, bot_username, max_bot_username))
    for link in invites.links(usernames, invite.code):
        typer.echo(link.url)


async def bot_usernames(settings, telegram: str | None = None, max_name: str | None = None  # type: ignore[no-untyped-def]
                        ) -> dict[str, str]:
    """platform → bot name for the links: a link per messenger configured (Telegram's when neither is). With only
    MAX configured, `--bot-username` names the MAX bot (it is the only bot there is)."""
    names: dict[str, str] = {}
    if settings.telegram_enabled or not settings.max_enabled:
        names[invites.TELEGRAM] = telegram or await _bot_username(settings)
    elif telegram and not max_name:
        max_name = telegram
    if settings.max_enabled:
        names[invites.MAX] = max_name or settings.max_bot_username or await _max_username(settings)
    return names


async def _max_username(settings) -> str:  # type: ignore[no-untyped-def]
    """Asks MAX (GET /me at MAX_API_URL) for the bot's name; offline, a placeholder link."""
    from bot.messengers.max.bot import build_max_bot

    bot = build_max_bot(settings, None)
    try:
        me = await bot.me()
        if me.username:
            return me.username
    except Exception:  # noqa: BLE001 - offline: the code still works, only the link's bot name is unknown
        pass
    finally:
        await bot.session.close()
    typer.echo("Не удалось узнать имя бота у MAX; замените YOUR_MAX_BOT в ссылке, задайте MAX_BOT_USERNAME "
               "или передайте --max-bot-username.", err=True)
    return "YOUR_MAX_BOT"


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
