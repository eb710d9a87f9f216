"""The coordinator's mentoring home and the network's mentoring settings."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Raw, Translator
from bot.services.counting import link_counts
from bot.services.mentoring import exports
from bot.services.mentoring import vocabulary as vocab
from bot.services.mentoring.access import require_coordinator
from bot.services.errors import DomainError
from bot.services.monitoring.texts import links_line
from bot.viewer import Viewer
from db.models import Membership, Network, School
from handlers.common import show
from handlers.mentoring.common import Event, explain, need_coordinator, tell
from keyboards.callbacks import MenuCb
from keyboards.mentoring import CoordCb, home, markup
from keyboards.monitoring import StatsCb

router = Router(name="mentoring.coord")


@router.callback_query(MenuCb.filter(F.action == "ml_coord"))
async def coord_menu(query: CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer,
                     t: Translator) -> None:
    await state.clear()
    await show_home(query, session, viewer, t)


@router.callback_query(CoordCb.filter(F.a == "home"))
async def coord_home(query: CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer,
                     t: Translator) -> None:
    await state.clear()
    await show_home(query, session, viewer, t)


async def show_home(event: Event, session: AsyncSession, viewer: Viewer, t: Translator) -> None:
    me = await need_coordinator(event, viewer, t)
    if me is None:
        return
    _, network_id = me
    schools = await session.scalar(select(func.count()).select_from(School).where(School.network_id == network_id))
    people = await session.scalar(select(func.count()).select_from(Membership).where(
        Membership.network_id == network_id, Membership.is_active.is_(True)))
    counts = await exports.summary(session, network_id)
    links = await link_counts(session, network_id)
    text = t("mentoring.coord.title", schools=schools or 0, people=people or 0,
             links=Raw(links_line({**{f"links_{k}": v for k, v in links.by_status.items()},
                                   "links_total": links.total}, t)),  # already HTML, its values escaped
             sessions=counts["sessions"], confirmed=counts["sessions_confirmed"])
    rows = [
        [(t("mentoring.coord.schools"), CoordCb(a="sch")), (t("mentoring.coord.people"), CoordCb(a="ppl"))],
        [(t("mentoring.coord.links"), CoordCb(a="lnk")), (t("mentoring.coord.new_link"), CoordCb(a="lnew"))],
        [(t("mentoring.coord.matching"), CoordCb(a="mt"))],
        [(t("mentoring.coord.import"), CoordCb(a="imp")), (t("mentoring.coord.settings"), CoordCb(a="set"))],
        [(t("monitoring.buttons.definitions"), StatsCb(a="defs"))],
    ]
    await show(event, text, markup(rows, back=home(t)))


@router.callback_query(CoordCb.filter(F.a == "set"))
async def settings(query: CallbackQuery, session: AsyncSession, viewer: Viewer, t: Translator) -> None:
    me = await need_coordinator(query, viewer, t)
    if me is None:
        return
    network = await session.get(Network, me[1])
    if network is None:
        return
    weeks = vocab.quiet_weeks(network)
    rows = [[(("✅ " if n == weeks else "") + t("mentoring.coord.weeks", weeks=n), CoordCb(a="qw", v=n))
             for n in vocab.QUIET_WEEK_CHOICES]]
    await show(query, t("mentoring.coord.settings_text", weeks=weeks, flag=vocab.flag_weeks(network)),
               markup(rows, back=(t("mentoring.coord.back"), CoordCb(a="home"))))


@router.callback_query(CoordCb.filter(F.a == "qw"))
async def quiet_weeks(query: CallbackQuery, callback_data: CoordCb, session: AsyncSession, viewer: Viewer,
                      t: Translator) -> None:
    me = await need_coordinator(query, viewer, t)
    if me is None:
        return
    if callback_data.v not in vocab.QUIET_WEEK_CHOICES:
        await tell(query, t, "errors.stale_button")
        return
    try:
        await require_coordinator(session, me[0].id, me[1])
    except DomainError as error:
        await explain(query, t, error)
        return
    network = await session.get(Network, me[1])
    if network is None:
        return
    network.settings = {**(network.settings or {}), "mentoring_quiet_weeks": callback_data.v}
    await session.flush()
    await query.answer(t("mentoring.coord.saved"))
    await settings(query, session, viewer, t)
