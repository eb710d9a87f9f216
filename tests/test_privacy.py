"""A person's own data: everything they did comes out in /mydata; /forgetme keeps only anonymous numbers."""
from __future__ import annotations

from datetime import date, timedelta

from bot.services.networks import create_network
from bot.services.privacy import export_user_data, forget_user
from db.models import User
from db.models.forms import Form, FormRequest, FormResponse
from db.models.mentoring import LinkMember, MentoringLink, MentoringSession
from db.session import make_sessionmaker


async def test_mydata_has_the_activity_and_forgetme_drops_free_text(engine, clock) -> None:  # type: ignore[no-untyped-def]
    async with make_sessionmaker(engine).begin() as session:
        network = await create_network(session, slug="pod", name="Подпорожье", timezone="Europe/Moscow")
        user = User(messenger_id=77, full_name="Зайцева Ирина Павловна", subjects=[], notification_prefs={},
                    consent_at=clock.now())
        session.add(user)
        await session.flush()
        link = MentoringLink(network_id=network.id, kind="teacher_teacher", deficits=[], directions=[])
        session.add(link)
        await session.flush()
        session.add(LinkMember(link_id=link.id, user_id=user.id, side="mentee"))
        session.add(MentoringSession(network_id=network.id, link_id=link.id, held_on=date(2026, 11, 2),
                                     duration_min=45, topic="Разбор ВПР по математике"))
        form = Form(code="reflection", title="Рефлексия", kind="reflection", definition={"questions": [
            {"id": "use", "type": "scale", "text": "Польза", "min": 1, "max": 5},
            {"id": "apply", "type": "text", "text": "Что применю"}]})
        session.add(form)
        await session.flush()
        request = FormRequest(network_id=network.id, form_id=form.id, title="Рефлексия: семинар",
                              audience={}, deadline=clock.now() + timedelta(days=7))
        session.add(request)
        await session.flush()
        session.add(FormResponse(request_id=request.id, user_id=user.id,
                                 answers={"use": 5, "apply": "Покажу коллеге Петровой"}, submitted_at=clock.now()))
        await session.flush()

        data = await export_user_data(session, user)
        assert data["mentoring_sessions"][0]["topic"] == "Разбор ВПР по математике"
        assert data["form_answers"][0]["answers"] == {"use": 5, "apply": "Покажу коллеге Петровой"}

        await forget_user(session, user, clock)
        await session.flush()
        response = await session.get(FormResponse, 1)
        assert response.answers == {"use": 5}, "the scale counts, anonymously; the free text is gone"
        assert user.full_name is None and user.messenger_id is None
