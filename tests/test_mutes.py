"""A muted topic is honoured by every planner that sends it (form reminders here; events and delivery
have their own tests), while the request itself still arrives."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services.forms.requests import create_request
from bot.services.forms import ensure_template
from bot.services.networks import create_network
from bot.services.preferences import toggle
from bot.services.registration import join_network
from db.models import OutboxMessage, Role, User
from db.session import make_sessionmaker


async def test_muted_form_reminders_are_not_planned(engine, clock) -> None:  # type: ignore[no-untyped-def]
    async with make_sessionmaker(engine).begin() as session:
        network = await create_network(session, slug="mute", name="Сеть", timezone="Europe/Moscow")
        people = []
        for messenger_id, prefs in ((1, toggle({}, "form_reminders")), (2, {})):
            user = User(messenger_id=messenger_id, full_name="Иванова Анна Ивановна", subjects=[],
                        notification_prefs=prefs, consent_at=clock.now())
            session.add(user)
            await session.flush()
            await join_network(session, user, network_id=network.id, role=Role.PARTICIPANT, school_id=None)
            people.append(user)
        form = await ensure_template(session, "reflection")
        await create_request(session, network=network, form=form, audience={"kind": "participants"},
                             deadline=clock.now() + timedelta(days=5), clock=clock)
        rows = (await session.execute(select(OutboxMessage.chat_id, OutboxMessage.dedupe_key))).all()
    keys = {chat: sorted(k.rsplit(":", 1)[-1] for c, k in rows if c == chat) for chat in (1, 2)}
    assert len(keys[2]) == 3, "request, reminder before the deadline, nudge after it"
    assert len(keys[1]) == 1, "the request itself still arrives; its reminders don't"
