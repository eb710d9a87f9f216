"""Builders for Telegram ``Update`` dicts (what getUpdates / webhooks deliver).

Every builder returns a plain JSON-able dict with a fresh, increasing
``update_id``; aiogram can validate it with ``Update.model_validate(d)``.

A standalone :class:`UpdateFactory` numbers messages itself. The factory that
:class:`~tests.fakes.telegram_api.FakeTelegram` exposes as ``fake.updates`` is
bound to the fake's message store, so user and bot messages share one
``message_id`` sequence per chat (as in Telegram) and callback queries carry
the bot message they were pressed on.
"""

from __future__ import annotations

import copy
import itertools
import time
from typing import Any, Protocol

DEFAULT_BOT_USER = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "Сетевой наставник (test)",
    "username": "test_nastavnik_bot",
}

# Builders the control API may call by name (POST /_control/updates {"_build": ...}).
BUILDERS = (
    "message",
    "command",
    "callback",
    "edited_message",
    "sticker",
    "photo",
    "document",
    "contact",
    "voice",
    "group_message",
    "my_chat_member",
    "bot_blocked",
    "bot_unblocked",
)


def utf16_len(text: str) -> int:
    """Telegram measures entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


class MessageStore(Protocol):
    """What the factory needs from whoever owns the message history."""

    def next_message_id(self, chat_id: int) -> int: ...

    def get_message(self, chat_id: int, message_id: int) -> dict | None: ...

    def last_bot_message(self, chat_id: int) -> dict | None: ...

    def remember_message(self, message: dict) -> None: ...


class LocalMessageStore:
    """Minimal store for a factory used without a fake server."""

    def __init__(self) -> None:
        self._ids: dict[int, int] = {}
        self._messages: dict[tuple[int, int], dict] = {}
        self._last_bot: dict[int, int] = {}

    def next_message_id(self, chat_id: int) -> int:
        self._ids[chat_id] = self._ids.get(chat_id, 0) + 1
        return self._ids[chat_id]

    def get_message(self, chat_id: int, message_id: int) -> dict | None:
        return self._messages.get((chat_id, message_id))

    def last_bot_message(self, chat_id: int) -> dict | None:
        mid = self._last_bot.get(chat_id)
        return None if mid is None else self._messages.get((chat_id, mid))

    def remember_message(self, message: dict) -> None:
        chat_id, mid = message["chat"]["id"], message["message_id"]
        self._messages[(chat_id, mid)] = message
        self._ids[chat_id] = max(self._ids.get(chat_id, 0), mid)
        if message.get("from", {}).get("is_bot"):
            self._last_bot[chat_id] = mid


class UpdateFactory:
    """Builds Update dicts with increasing ``update_id``.

    ``user_id`` doubles as the private chat id unless ``chat_id`` is given,
    exactly like Telegram private chats.
    """

    def __init__(
        self,
        *,
        start_update_id: int = 1,
        bot_user: dict | None = None,
        store: MessageStore | None = None,
        default_first_name: str = "Тест",
        default_language_code: str | None = "ru",
    ) -> None:
        self._next_update_id = start_update_id
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self.bot_user = dict(bot_user or DEFAULT_BOT_USER)
        self.store: MessageStore = store or LocalMessageStore()
        self.default_first_name = default_first_name
        self.default_language_code = default_language_code
        self._last_user_message: dict[int, int] = {}

    # -- building blocks ----------------------------------------------------

    def next_update_id(self) -> int:
        value = self._next_update_id
        self._next_update_id += 1
        return value

    def skip_to(self, update_id: int) -> None:
        """Make sure later ids are above ``update_id`` (updates may also come from elsewhere)."""
        self._next_update_id = max(self._next_update_id, update_id + 1)

    def user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = ...,  # type: ignore[assignment]
        is_bot: bool = False,
    ) -> dict:
        user: dict[str, Any] = {"id": user_id, "is_bot": is_bot, "first_name": first_name or self.default_first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        lang = self.default_language_code if language_code is ... else language_code
        if lang:
            user["language_code"] = lang
        return user

    @staticmethod
    def chat(chat_id: int, *, user: dict | None = None, title: str | None = None, chat_type: str | None = None) -> dict:
        if chat_id > 0:
            chat: dict[str, Any] = {"id": chat_id, "type": chat_type or "private"}
            if user is not None:
                for key in ("first_name", "last_name", "username"):
                    if key in user:
                        chat[key] = user[key]
            return chat
        return {"id": chat_id, "type": chat_type or "supergroup", "title": title or f"Группа {chat_id}"}

    def file_ids(self, prefix: str) -> tuple[str, str]:
        n = next(self._file_ids)
        return f"{prefix}-in-{n:06d}", f"U{prefix}{n:06d}"

    def _wrap(self, kind: str, payload: dict) -> dict:
        return {"update_id": self.next_update_id(), kind: payload}

    def _message_payload(
        self,
        user_id: int,
        content: dict,
        *,
        chat_id: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = ...,  # type: ignore[assignment]
        message_id: int | None = None,
        date: int | None = None,
        reply_to_message_id: int | None = None,
        chat_title: str | None = None,
        chat_type: str | None = None,
        remember: bool = True,
    ) -> dict:
        chat_id = user_id if chat_id is None else chat_id
        user = self.user(
            user_id, first_name=first_name, last_name=last_name, username=username, language_code=language_code
        )
        msg: dict[str, Any] = {
            "message_id": message_id if message_id is not None else self.store.next_message_id(chat_id),
            "from": user,
            "chat": self.chat(chat_id, user=user, title=chat_title, chat_type=chat_type),
            "date": int(date if date is not None else time.time()),
        }
        if reply_to_message_id is not None:
            replied = self.store.get_message(chat_id, reply_to_message_id)
            if replied is None:
                replied = {
                    "message_id": reply_to_message_id,
                    "date": msg["date"],
                    "chat": msg["chat"],
                    "from": self.bot_user,
                    "text": "…",
                }
            replied = {k: v for k, v in replied.items() if k != "reply_to_message"}
            msg["reply_to_message"] = replied
        msg.update(content)
        self._last_user_message[chat_id] = msg["message_id"]
        if remember:
            self.store.remember_message(msg)
        return msg

    # -- public builders ----------------------------------------------------

    def message(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str | None = None,
        username: str | None = None,
        chat_id: int | None = None,
        entities: list[dict] | None = None,
        **kw: Any,
    ) -> dict:
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        payload = self._message_payload(
            user_id, content, chat_id=chat_id, first_name=first_name, username=username, **kw
        )
        return self._wrap("message", payload)

    def command(self, user_id: int, command: str, args: str | None = None, **kw: Any) -> dict:
        """``/command args`` with a ``bot_command`` entity, e.g. ``command(1, "/start", "invite-42")``."""
        if not command.startswith("/"):
            command = "/" + command
        text = command if not args else f"{command} {args}"
        entity = {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
        return self.message(user_id, text, entities=[entity], **kw)

    def group_message(
        self, chat_id: int, user_id: int, text: str, *, title: str | None = None, **kw: Any
    ) -> dict:
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        return self.message(user_id, text, chat_id=chat_id, chat_title=title, **kw)

    def edited_message(
        self,
        user_id: int,
        text: str,
        *,
        message_id: int | None = None,
        chat_id: int | None = None,
        first_name: str | None = None,
        username: str | None = None,
        entities: list[dict] | None = None,
        edit_date: int | None = None,
        **kw: Any,
    ) -> dict:
        """Edit of an earlier user message (by default the chat's latest known id)."""
        chat = user_id if chat_id is None else chat_id
        if message_id is None:
            message_id = self._last_user_message.get(chat, 1)
        content: dict[str, Any] = {"text": text, "edit_date": int(edit_date or time.time())}
        if entities:
            content["entities"] = entities
        payload = self._message_payload(
            user_id,
            content,
            chat_id=chat_id,
            first_name=first_name,
            username=username,
            message_id=message_id,
            **kw,
        )
        return self._wrap("edited_message", payload)

    def callback(
        self,
        user_id: int,
        data: str,
        *,
        message_id: int | None = None,
        chat_id: int | None = None,
        message: dict | None = None,
        message_text: str = "…",
        reply_markup: dict | None = None,
        inline_message_id: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
        callback_id: str | None = None,
    ) -> dict:
        """A button press. The attached message is, in order of preference:
        ``message`` as given, the stored message ``message_id``, the bot's last
        message in the chat, or a new placeholder bot message (remembered, so
        the bot can edit it afterwards)."""
        chat_id = user_id if chat_id is None else chat_id
        user = self.user(user_id, first_name=first_name, username=username)
        query: dict[str, Any] = {
            "id": callback_id or f"cbq-{user_id}-{next(self._callback_ids)}",
            "from": user,
            "chat_instance": f"ci-{chat_id}",
            "data": data,
        }
        if inline_message_id is not None:
            query["inline_message_id"] = inline_message_id
        else:
            if message is None and message_id is not None:
                message = self.store.get_message(chat_id, message_id)
            if message is None and message_id is None:
                message = self.store.last_bot_message(chat_id)
            if message is None:
                message = {
                    "message_id": message_id if message_id is not None else self.store.next_message_id(chat_id),
                    "from": self.bot_user,
                    "chat": self.chat(chat_id, user=user),
                    "date": int(time.time()),
                    "text": message_text,
                }
                if reply_markup:
                    message["reply_markup"] = reply_markup
                self.store.remember_message(message)
            query["message"] = copy.deepcopy(message)
        return self._wrap("callback_query", query)

    def sticker(self, user_id: int, *, emoji: str = "👍", file_id: str | None = None, **kw: Any) -> dict:
        fid, uid = self.file_ids("sticker")
        sticker = {
            "file_id": file_id or fid,
            "file_unique_id": uid,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._wrap("message", self._message_payload(user_id, {"sticker": sticker}, **kw))

    def photo(self, user_id: int, *, caption: str | None = None, file_id: str | None = None, **kw: Any) -> dict:
        fid, uid = self.file_ids("photo")
        fid = file_id or fid
        sizes = [
            {"file_id": f"{fid}-s", "file_unique_id": f"{uid}s", "width": 90, "height": 90, "file_size": 1500},
            {"file_id": fid, "file_unique_id": uid, "width": 800, "height": 800, "file_size": 65000},
        ]
        content: dict[str, Any] = {"photo": sizes}
        if caption:
            content["caption"] = caption
        return self._wrap("message", self._message_payload(user_id, content, **kw))

    def document(
        self,
        user_id: int,
        *,
        file_name: str = "document.pdf",
        mime_type: str = "application/pdf",
        file_size: int = 12345,
        caption: str | None = None,
        file_id: str | None = None,
        **kw: Any,
    ) -> dict:
        fid, uid = self.file_ids("document")
        doc = {
            "file_id": file_id or fid,
            "file_unique_id": uid,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": file_size,
        }
        content: dict[str, Any] = {"document": doc}
        if caption:
            content["caption"] = caption
        return self._wrap("message", self._message_payload(user_id, content, **kw))

    def voice(self, user_id: int, *, duration: int = 3, file_id: str | None = None, **kw: Any) -> dict:
        fid, uid = self.file_ids("voice")
        voice = {
            "file_id": file_id or fid,
            "file_unique_id": uid,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": 4000 * duration,
        }
        return self._wrap("message", self._message_payload(user_id, {"voice": voice}, **kw))

    def contact(
        self,
        user_id: int,
        phone_number: str = "+79990000000",
        *,
        contact_first_name: str | None = None,
        contact_user_id: int | None = ...,  # type: ignore[assignment]
        **kw: Any,
    ) -> dict:
        """By default the user shares their own contact (``contact.user_id == user_id``)."""
        contact: dict[str, Any] = {
            "phone_number": phone_number,
            "first_name": contact_first_name or kw.get("first_name") or self.default_first_name,
        }
        cuid = user_id if contact_user_id is ... else contact_user_id
        if cuid is not None:
            contact["user_id"] = cuid
        return self._wrap("message", self._message_payload(user_id, {"contact": contact}, **kw))

    def my_chat_member(
        self,
        user_id: int,
        old: str = "member",
        new: str = "kicked",
        *,
        chat_id: int | None = None,
        first_name: str | None = None,
        username: str | None = None,
    ) -> dict:
        """Status change of the bot itself; in a private chat member→kicked means
        the user blocked the bot, kicked→member that they unblocked it."""
        chat_id = user_id if chat_id is None else chat_id
        user = self.user(user_id, first_name=first_name, username=username)

        def member(status: str) -> dict:
            m: dict[str, Any] = {"user": self.bot_user, "status": status}
            if status == "kicked":
                m["until_date"] = 0
            elif status == "restricted":
                m.update(RESTRICTED_RIGHTS)
            elif status == "administrator":
                m.update(ADMIN_RIGHTS)
            elif status == "creator":
                m["is_anonymous"] = False
            return m

        payload = {
            "chat": self.chat(chat_id, user=user),
            "from": user,
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        return self._wrap("my_chat_member", payload)

    def bot_blocked(self, user_id: int, **kw: Any) -> dict:
        return self.my_chat_member(user_id, old="member", new="kicked", **kw)

    def bot_unblocked(self, user_id: int, **kw: Any) -> dict:
        return self.my_chat_member(user_id, old="kicked", new="member", **kw)

    def build(self, name: str, **kwargs: Any) -> dict:
        """Call a builder by name (used by the control API)."""
        if name not in BUILDERS:
            raise ValueError(f"unknown update builder {name!r}; known: {', '.join(BUILDERS)}")
        return getattr(self, name)(**kwargs)


# Fields newer Bot API versions made required; extra ones are harmless to older clients.
RESTRICTED_RIGHTS = {
    "is_member": True,
    "can_send_messages": False,
    "can_send_audios": False,
    "can_send_documents": False,
    "can_send_photos": False,
    "can_send_videos": False,
    "can_send_video_notes": False,
    "can_send_voice_notes": False,
    "can_send_polls": False,
    "can_send_other_messages": False,
    "can_add_web_page_previews": False,
    "can_react_to_messages": False,
    "can_edit_tag": False,
    "can_change_info": False,
    "can_invite_users": False,
    "can_pin_messages": False,
    "can_manage_topics": False,
    "until_date": 0,
}

ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": False,
    "can_restrict_members": False,
    "can_promote_members": False,
    "can_change_info": False,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_send_welcome_messages": False,
}


def update_type(update: dict) -> str:
    """``"message"``, ``"callback_query"``, … — the one key besides ``update_id``."""
    for key in update:
        if key != "update_id":
            return key
    return "unknown"
