"""MAX updates → aiogram updates, so the one dispatcher and its handlers serve MAX people too.

A dialog looks like a Telegram private chat: chat.id is the person's MAX user id (a MAX dialog's own chat_id is
another number, and handlers rely on private chat id == user id). Group chats keep MAX's chat id, made negative
as Telegram's are. aiogram's message_id is MAX's `seq`; the `mid` behind it is remembered in `MaxRefs`.

    bot_started (payload p) → my_chat_member (kicked → member) + message "/start p"
    bot_stopped             → my_chat_member (member → kicked): the person is marked unreachable
    message_created         → message (text; file → document, image → photo, sticker, video, audio)
    message_edited          → edited_message
    message_callback        → callback_query (data = the button's payload)
Everything else (user_added, chat_title_changed, dialog_* …) is not needed by the flows and is skipped.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.messengers.max.refs import MaxRefs

_update_ids = itertools.count(1)


@dataclass
class CallbackSeen:
    """What a tap brought: enough to answer it later with the message as it stands."""

    callback_id: str
    chat_id: int
    message_id: int | None
    body: dict[str, Any] | None


# aiogram's (negative) id of a group chat → MAX's chat_id, to answer there.
group_chats: dict[int, int] = {}


def aiogram_chat_id(recipient: dict[str, Any], peer_user_id: int | None) -> int:
    """A dialog is the person's own id; a group chat a negative id (MAX's own, negated if it is positive)."""
    if recipient.get("chat_type", "dialog") == "dialog" and peer_user_id is not None:
        return int(peer_user_id)
    chat_id = int(recipient.get("chat_id") or 0)
    aiogram_id = chat_id if chat_id < 0 else -chat_id
    group_chats[aiogram_id] = chat_id
    return aiogram_id


def tg_user(user: dict[str, Any] | None, locale: str | None = None) -> dict[str, Any]:
    user = user or {}
    first = user.get("first_name") or user.get("name") or "—"
    data: dict[str, Any] = {"id": int(user.get("user_id") or 0), "is_bot": bool(user.get("is_bot")),
                            "first_name": first}
    if user.get("last_name"):
        data["last_name"] = user["last_name"]
    if user.get("username"):
        data["username"] = user["username"]
    if locale:
        data["language_code"] = locale.split("-")[0].split("_")[0].lower()
    return data


def _chat(chat_id: int, user: dict[str, Any]) -> dict[str, Any]:
    if chat_id > 0:
        chat = {"id": chat_id, "type": "private", "first_name": user.get("first_name") or "—"}
        if user.get("username"):
            chat["username"] = user["username"]
        return chat
    return {"id": chat_id, "type": "group", "title": "MAX"}


class UpdateConverter:
    def __init__(self, refs: MaxRefs, bot_user: Callable[[], dict[str, Any]],
                 on_callback: Callable[[CallbackSeen], None] | None = None) -> None:
        self.refs = refs
        self.bot_user = bot_user  # the bot as a Telegram user, for messages the bot sent
        self.on_callback = on_callback

    def convert(self, update: dict[str, Any]) -> list[dict[str, Any]]:
        kind = update.get("update_type")
        locale = update.get("user_locale")
        if kind == "message_created" and update.get("message"):
            if (update["message"].get("sender") or {}).get("is_bot"):
                return []  # the bot's own messages (seen in group chats) are not for its handlers
            return [self._wrap("message", self.message(update["message"], locale))]
        if kind == "message_edited" and update.get("message"):
            message = self.message(update["message"], locale)
            message["edit_date"] = int(update.get("timestamp", 0)) // 1000
            return [self._wrap("edited_message", message)]
        if kind == "message_callback" and update.get("callback"):
            return [self._wrap("callback_query", self.callback(update, locale))]
        if kind in ("bot_started", "bot_stopped") and update.get("user"):
            return self._started_or_stopped(update, locale)
        return []

    @staticmethod
    def _wrap(field: str, value: dict[str, Any]) -> dict[str, Any]:
        return {"update_id": next(_update_ids), field: value}

    # --- pieces -------------------------------------------------------------------------------------

    def message(self, message: dict[str, Any], locale: str | None = None, *, chat_id: int | None = None
                ) -> dict[str, Any]:
        """A MAX message (incoming or the bot's own, e.g. the answer to POST /messages) → aiogram's.
        `chat_id`: the aiogram chat the bot sent it to, when known."""
        sender = message.get("sender") or {}
        recipient = message.get("recipient") or {}
        body = message.get("body") or {}
        from_bot = bool(sender.get("is_bot"))
        person = (recipient.get("user_id") if from_bot else sender.get("user_id"))
        if chat_id is None:
            chat_id = aiogram_chat_id(recipient, person)
        if from_bot:
            sender_data = self.bot_user()
            person_data = {"first_name": "—"}
        else:
            sender_data = tg_user(sender, locale)
            person_data = sender
        seq = int(body.get("seq") or 0)
        if body.get("mid"):
            self.refs.remember_message(chat_id, seq, body["mid"])
        data: dict[str, Any] = {"message_id": seq, "date": int(message.get("timestamp", 0)) // 1000,
                                "chat": _chat(chat_id, person_data), "from": sender_data}
        text = body.get("text") or None
        media = self._media(body.get("attachments") or [])
        keyboard = self._keyboard(body.get("attachments") or [])
        if media:
            data.update(media)
            if text:
                data["caption"] = text
        elif text is not None:
            data["text"] = text
        if keyboard:
            data["reply_markup"] = keyboard
        return data

    def callback(self, update: dict[str, Any], locale: str | None) -> dict[str, Any]:
        callback = update["callback"]
        user = tg_user(callback.get("user"), locale)
        query: dict[str, Any] = {"id": str(callback["callback_id"]), "from": user,
                                 "chat_instance": str(user["id"]), "data": callback.get("payload") or ""}
        message = update.get("message")
        seen = CallbackSeen(str(callback["callback_id"]), user["id"], None, None)
        if message and message.get("body"):
            converted = self.message(message, locale)
            query["message"] = converted
            query["chat_instance"] = str((message.get("recipient") or {}).get("chat_id") or user["id"])
            seen = CallbackSeen(seen.callback_id, converted["chat"]["id"], converted["message_id"], message["body"])
        if self.on_callback is not None:
            self.on_callback(seen)
        return query

    def _started_or_stopped(self, update: dict[str, Any], locale: str | None) -> list[dict[str, Any]]:
        user = tg_user(update["user"], locale)
        chat = _chat(user["id"], update["user"])
        date = int(update.get("timestamp", 0)) // 1000
        started = update["update_type"] == "bot_started"
        member = {"user": self.bot_user(), "status": "member"}
        kicked = {"user": self.bot_user(), "status": "kicked", "until_date": 0}
        change = {"chat": chat, "from": user, "date": date,
                  "old_chat_member": kicked if started else member,
                  "new_chat_member": member if started else kicked}
        updates = [self._wrap("my_chat_member", change)]
        if started:
            payload = (update.get("payload") or "").strip()
            text = f"/start {payload}" if payload else "/start"
            # No MAX message stands behind it: id 0 is never a message the bot could edit.
            updates.append(self._wrap("message", {"message_id": 0, "date": date, "chat": chat, "from": user,
                                                  "text": text,
                                                  "entities": [{"type": "bot_command", "offset": 0,
                                                                "length": len("/start")}]}))
        return updates

    def _media(self, attachments: list[dict[str, Any]]) -> dict[str, Any]:
        for attachment in attachments:
            kind = attachment.get("type")
            payload = attachment.get("payload") or {}
            if kind == "file":
                ref = self.refs.remember_file("file", payload.get("token"), payload.get("url"),
                                              file_name=attachment.get("filename"), size=attachment.get("size"))
                document = {"file_id": ref.file_id, "file_unique_id": ref.file_id[-16:]}
                if attachment.get("filename"):
                    document["file_name"] = attachment["filename"]
                if attachment.get("size") is not None:
                    document["file_size"] = int(attachment["size"])
                return {"document": document}
            if kind == "image":
                ref = self.refs.remember_file("image", payload.get("token"), payload.get("url"))
                # MAX does not say the size; aiogram needs numbers.
                return {"photo": [{"file_id": ref.file_id, "file_unique_id": ref.file_id[-16:], "width": 0,
                                   "height": 0}]}
            if kind in ("video", "audio"):
                ref = self.refs.remember_file(kind, payload.get("token"), payload.get("url"))
                item: dict[str, Any] = {"file_id": ref.file_id, "file_unique_id": ref.file_id[-16:], "duration": 0}
                if kind == "video":
                    item.update(width=0, height=0)
                return {kind: item}
            if kind == "sticker":
                code = str(payload.get("code") or payload.get("url") or "sticker")
                return {"sticker": {"file_id": f"max-sticker-{code}"[:64], "file_unique_id": code[-16:],
                                    "type": "regular", "width": 0, "height": 0, "is_animated": False,
                                    "is_video": False}}
        return {}

    @staticmethod
    def _keyboard(attachments: list[dict[str, Any]]) -> dict[str, Any] | None:
        for attachment in attachments:
            if attachment.get("type") != "inline_keyboard":
                continue
            rows = []
            for row in (attachment.get("payload") or {}).get("buttons") or []:
                buttons = []
                for button in row:
                    if button.get("type") == "callback":
                        buttons.append({"text": button.get("text", ""), "callback_data": button.get("payload", "")})
                    elif button.get("type") == "link":
                        buttons.append({"text": button.get("text", ""), "url": button.get("url", "")})
                if buttons:
                    rows.append(buttons)
            return {"inline_keyboard": rows} if rows else None
        return None
