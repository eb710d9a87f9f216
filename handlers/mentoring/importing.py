"""Bulk import in chat: the coordinator sends an XLSX/CSV → a preview with the problems → Import / Cancel →
progress while it runs → a summary, with personal invite links for people who are not in Telegram yet."""
from __future__ import annotations

import asyncio
import io
import re
import time

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import Translator
from bot.messengers.links import BotNames
from bot.services import invites as invite_service
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.mentoring.importer import ImportResult, run_import
from bot.services.mentoring.sheets import Sheet, read_sheets
from bot.services.mentoring.template import invites_xlsx, template_xlsx
from bot.services.uploads import FileRejected
from bot.services.uploads.sandbox import run_untrusted
from bot.viewer import Viewer
from handlers.common import show, split_text
from handlers.mentoring.common import acting, need_coordinator, tell
from handlers.uploads import fetch
from keyboards.mentoring import CoordCb, coord_home, markup

router = Router(name="mentoring.importing")
EXTENSIONS = (".xlsx", ".xlsm", ".csv", ".txt", ".tsv")
SHOWN_PROBLEMS = 15
PROGRESS_EVERY_SEC = 2.0


class ImportStates(StatesGroup):
    wait = State()
    confirm = State()


@router.callback_query(CoordCb.filter(F.a == "imp"))
async def import_start(query: CallbackQuery, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    if await need_coordinator(query, viewer, t) is None:
        return
    await state.clear()
    await state.set_state(ImportStates.wait)
    await show(query, t("mentoring.import.intro"),
               markup([[(t("mentoring.import.template"), CoordCb(a="tpl"))]], back=coord_home(t)))


@router.callback_query(CoordCb.filter(F.a == "tpl"))
async def template(query: CallbackQuery, viewer: Viewer, t: Translator) -> None:
    if await need_coordinator(query, viewer, t) is None or not isinstance(query.message, Message):
        return
    data = await asyncio.to_thread(template_xlsx, t.language)
    await query.message.answer_document(BufferedInputFile(data, filename=t("mentoring.import.template_file")),
                                        caption=t("mentoring.import.template_caption"))


async def _sheets(bot: Bot, settings: Settings, file_id: str, name: str,
                  declared_size: int | None = None) -> list[Sheet]:
    """The file's tables, read in a capped worker process (a hostile file can't stop the bot)."""
    limits = settings.file_limits()
    data = await fetch(bot, file_id, limits, declared_size=declared_size)
    return await run_untrusted(read_sheets, data, name, limits, limits=limits)


def _counts(t: Translator, key: str, counts) -> str:  # type: ignore[no-untyped-def]
    return t(f"mentoring.import.counts_{key}", created=counts.created, updated=counts.updated,
             unchanged=counts.unchanged)


def _problem_lines(result: ImportResult, t: Translator, limit: int | None) -> list[str]:
    lines = []
    for problem in result.problems[:limit]:
        what = t(problem.key, **problem.values)
        tail = t("mentoring.import.skipped_mark") if problem.skipped else ""
        lines.append(t("mentoring.import.problem_line", sheet=problem.sheet, row=problem.row, what=what, tail=tail))
    return lines


def report(result: ImportResult, t: Translator, *, name: str) -> str:
    sheets = "; ".join(t("mentoring.import.sheet_line", name=sheet, kind=t(f"mentoring.import.kind_{kind}"),
                         rows=rows) for sheet, kind, rows in result.sheets)
    key = "mentoring.import.preview" if result.dry_run else "mentoring.import.summary"
    lines = [t(key, name=name, sheets=sheets), _counts(t, "schools", result.schools),
             _counts(t, "people", result.people), _counts(t, "links", result.links)]
    if result.invites:
        lines.append(t("mentoring.import.invites_count", count=len(result.invites)))
    if result.problems:
        lines.append(t("mentoring.import.problems", count=len(result.problems), skipped=result.skipped_rows))
        lines += _problem_lines(result, t, SHOWN_PROBLEMS)
        if len(result.problems) > SHOWN_PROBLEMS:
            lines.append(t("mentoring.import.more_problems", count=len(result.problems) - SHOWN_PROBLEMS))
    else:
        lines.append(t("mentoring.import.no_problems"))
    return "\n".join(lines)


def _problems_file(result: ImportResult, t: Translator) -> BufferedInputFile:
    text = "\n".join(_problem_lines(result, t, None))
    plain = re.sub(r"<[^>]+>", "", text)
    return BufferedInputFile(plain.encode("utf-8"), filename=t("mentoring.import.problems_file"))


async def _preview(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                   clock: Clock, settings: Settings, *, quiet: bool) -> None:
    me = acting(viewer)
    document = message.document
    if me is None or document is None:
        return
    name = document.file_name or "import.xlsx"
    if not name.lower().endswith(EXTENSIONS):
        if quiet:
            raise SkipHandler
        await message.answer(t("mentoring.import.bad_format"))
        return
    try:
        sheets = await _sheets(message.bot, settings, document.file_id, name,  # type: ignore[arg-type]
                               document.file_size)
        result = await run_import(session, network_id=me[1], sheets=sheets, clock=clock, actor_id=me[0].id,
                                  dry_run=True)
    except DomainError as error:
        if quiet and not isinstance(error, FileRejected):  # a table that's not ours goes on; a bomb is refused
            raise SkipHandler from None
        await message.answer(t(error.key, **error.values))
        return
    await state.set_state(ImportStates.confirm)
    await state.update_data(imp_file=document.file_id, imp_name=name)
    text = report(result, t, name=name)
    chunks = split_text(text)
    for chunk in chunks[:-1]:
        await message.answer(chunk)
    if len(result.problems) > SHOWN_PROBLEMS:
        await message.answer_document(_problems_file(result, t))
    await message.answer(chunks[-1], reply_markup=markup([[(t("mentoring.import.go"), CoordCb(a="impgo")),
                                                           (t("mentoring.import.cancel"), CoordCb(a="impno"))]]))


@router.message(ImportStates.wait, F.document)
@router.message(ImportStates.confirm, F.document)
async def file_sent(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                    clock: Clock, settings: Settings) -> None:
    if await need_coordinator(message, viewer, t) is None:
        return
    await _preview(message, state, session, viewer, t, clock, settings, quiet=False)


@router.message(StateFilter(None), F.document)
async def file_without_asking(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer,
                              t: Translator, clock: Clock, settings: Settings) -> None:
    """A coordinator may just send the sheet; files that aren't ours go on to other features."""
    if acting(viewer) is None or not viewer.is_coordinator:
        raise SkipHandler
    await _preview(message, state, session, viewer, t, clock, settings, quiet=True)


@router.message(ImportStates.wait)
async def file_expected(message: Message, t: Translator) -> None:
    await message.answer(t("mentoring.import.send_file"))


@router.callback_query(ImportStates.confirm, CoordCb.filter(F.a == "impno"))
async def cancel(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await show(query, t("mentoring.import.cancelled"), markup([], back=coord_home(t)))


@router.callback_query(ImportStates.confirm, CoordCb.filter(F.a == "impgo"))
async def go(query: CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
             clock: Clock, settings: Settings, bot_names: BotNames) -> None:
    me = await need_coordinator(query, viewer, t)
    if me is None or not isinstance(query.message, Message):
        return
    data = await state.get_data()
    if not data.get("imp_file"):
        await tell(query, t, "errors.stale_button")
        return
    name = str(data.get("imp_name") or "import.xlsx")
    await query.message.edit_reply_markup(reply_markup=None)
    progress_message = await query.message.answer(t("mentoring.import.running"))
    started = time.monotonic()
    last = started

    async def progress(done: int, total: int) -> None:
        nonlocal last
        if time.monotonic() - last >= PROGRESS_EVERY_SEC and done < total:
            last = time.monotonic()
            await progress_message.edit_text(t("mentoring.import.progress", done=done, total=total))

    try:
        sheets = await _sheets(query.message.bot, settings, data["imp_file"], name)  # type: ignore[arg-type]
        result = await run_import(session, network_id=me[1], sheets=sheets, clock=clock, actor_id=me[0].id,
                                  progress=progress)
    except DomainError as error:
        await state.clear()
        await progress_message.edit_text(t(error.key, **error.values))
        return
    await state.clear()
    text = report(result, t, name=name) + "\n" + t("mentoring.import.took", seconds=round(time.monotonic() - started))
    chunks = split_text(text)
    await progress_message.edit_text(chunks[0])
    for chunk in chunks[1:]:
        await query.message.answer(chunk)
    if result.invites:
        usernames = await bot_names.usernames(query.message.bot)
        messengers = [p for p in invite_service.PLATFORMS if p in usernames] or [invite_service.TELEGRAM]
        rows = [(note.full_name, *(link.url for link in invite_service.links(usernames, note.code or "")))
                for note in result.invites]
        await query.message.answer_document(
            BufferedInputFile(invites_xlsx(rows, t.language, messengers),
                              filename=t("mentoring.import.invites_file")),
            caption=t("mentoring.import.invites_caption", count=len(result.invites)))
    await query.message.answer(t("mentoring.import.done_hint"), reply_markup=markup([], back=coord_home(t)))
