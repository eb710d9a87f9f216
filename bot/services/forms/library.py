"""Which forms a network can send: the built-in templates and its own uploaded forms."""
from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import DomainError
from bot.services.forms.definitions import TITLE_LIMIT, Definition
from bot.services.forms.templates import BY_CODE, TEMPLATES, Template
from bot.services.pagination import Page, paginate
from db.models.core import User
from db.models.forms import Form, FormKind


def definition_of(form: Form) -> Definition:
    return Definition.from_json(form.definition or {})


async def ensure_template(session: AsyncSession, code: str) -> Form:
    """The template's row at its current version, created on first use."""
    tpl: Template | None = BY_CODE.get(code)
    if tpl is None:
        raise DomainError("forms.not_found")
    form = await session.scalar(select(Form).where(Form.network_id.is_(None), Form.code == tpl.code,
                                                   Form.version == tpl.version))
    if form is None:
        form = Form(network_id=None, code=tpl.code, title=tpl.title, kind=tpl.kind.value,
                    definition=dict(tpl.definition), version=tpl.version)
        session.add(form)
        await session.flush()
    return form


async def ensure_templates(session: AsyncSession) -> None:
    existing = set((await session.execute(select(Form.code, Form.version).where(Form.network_id.is_(None)))).all())
    for tpl in TEMPLATES:
        if (tpl.code, tpl.version) not in existing:
            await ensure_template(session, tpl.code)


def _current_templates() -> Any:
    return or_(*(and_(Form.code == t.code, Form.version == t.version) for t in TEMPLATES))


async def list_forms(session: AsyncSession, network_id: int, page: int) -> Page[Form]:
    """Templates first (in their built-in order), then the network's own forms, newest first."""
    await ensure_templates(session)
    query = (select(Form).where(Form.is_archived.is_(False),
                                or_(and_(Form.network_id.is_(None), _current_templates()),
                                    Form.network_id == network_id))
             .order_by(Form.network_id.is_not(None), Form.id))
    result: Page[Form] = await paginate(session, query, page)
    return result


async def form_for_network(session: AsyncSession, form_id: int, network_id: int) -> Form:
    """A form this network may send (a template, or its own); anything else is not found."""
    form = await session.get(Form, form_id)
    if form is None or form.is_archived or (form.network_id is not None and form.network_id != network_id):
        raise DomainError("forms.not_found")
    return form


async def save_custom_form(session: AsyncSession, *, network_id: int, title: str, definition: Definition,
                           created_by: User | None, kind: str = FormKind.CUSTOM.value) -> Form:
    title = " ".join(title.split())[:TITLE_LIMIT] or "—"
    if kind not in {k.value for k in FormKind}:
        kind = FormKind.CUSTOM.value
    form = Form(network_id=network_id, code=f"custom-{secrets.token_hex(4)}", title=title, kind=kind,
                definition=definition.to_json(), version=1, created_by_id=created_by.id if created_by else None)
    session.add(form)
    await session.flush()
    return form


async def archive_form(session: AsyncSession, form: Form) -> None:
    if form.network_id is None:
        raise DomainError("forms.template_readonly")
    form.is_archived = True
