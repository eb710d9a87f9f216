"""Text and buttons between aiogram's shapes and MAX's.

MAX takes HTML (`format: "html"`) with the tags the bot uses (b, i, u/ins, s, code, pre, a, blockquote) and
sends back plain text plus `markup` ranges (in UTF-16 units, as Telegram's entities) — turned back into HTML when
a message is re-sent (copyMessage).
"""
from __future__ import annotations

import html
from typing import Any

TEXT_LIMIT = 4000  # characters (MAX), where Telegram allows 4096
BUTTON_TEXT_LIMIT = 128  # MAX refuses a longer button label (Telegram takes it)
PER_ROW, PER_ROW_WITH_LINKS = 7, 3  # MAX's buttons in a row (Telegram allows 8)

_TAGS = {"strong": ("<b>", "</b>"), "emphasized": ("<i>", "</i>"), "underline": ("<u>", "</u>"),
         "strikethrough": ("<s>", "</s>"), "monospaced": ("<code>", "</code>"), "heading": ("<b>", "</b>"),
         "highlighted": ("<b>", "</b>"), "quote": ("<blockquote>", "</blockquote>"),
         "blockquote": ("<blockquote>", "</blockquote>")}


def markup_to_html(text: str, markup: list[dict[str, Any]] | None) -> str:
    """Plain text + MAX markup ranges (UTF-16 offsets) → HTML the bot can send again."""
    units = text.encode("utf-16-le")
    size = len(units) // 2
    opens: dict[int, list[str]] = {}
    closes: dict[int, list[str]] = {}
    for item in sorted(markup or [], key=lambda m: (m.get("from", 0), -m.get("length", 0))):
        start = max(0, min(size, int(item.get("from", 0))))
        end = max(start, min(size, start + int(item.get("length", 0))))
        kind = item.get("type")
        if kind == "link" and item.get("url"):
            tag = (f'<a href="{html.escape(item["url"])}">', "</a>")
        elif kind in _TAGS:
            tag = _TAGS[kind]
        else:
            continue
        opens.setdefault(start, []).append(tag[0])
        closes.setdefault(end, []).insert(0, tag[1])
    bounds = sorted({0, size, *opens, *closes})
    out: list[str] = []
    for left, right in zip(bounds, bounds[1:] + [size]):
        out.extend(closes.get(left, []))
        out.extend(opens.get(left, []))
        if right > left:
            piece = units[left * 2:right * 2].decode("utf-16-le", errors="replace")
            out.append(html.escape(piece, quote=False))
    return "".join(out)


def keyboard_attachment(markup: Any) -> dict[str, Any] | None:
    """aiogram's InlineKeyboardMarkup → MAX's inline_keyboard attachment (callback and link buttons).

    Reply keyboards have no MAX counterpart and are dropped; so are inline buttons of other kinds. A row longer
    than MAX takes is wrapped onto the next rows and a label past 128 characters is cut, so a keyboard Telegram
    accepts is never refused by MAX.
    """
    rows = getattr(markup, "inline_keyboard", None)
    if not rows:
        return None
    out = []
    for row in rows:
        buttons = []
        for button in row:
            text = button.text if len(button.text) <= BUTTON_TEXT_LIMIT else button.text[:BUTTON_TEXT_LIMIT - 1] + "…"
            if button.callback_data is not None:
                buttons.append({"type": "callback", "text": text, "payload": button.callback_data})
            elif button.url:
                buttons.append({"type": "link", "text": text, "url": button.url})
        width = PER_ROW_WITH_LINKS if any(b["type"] == "link" for b in buttons) else PER_ROW
        out.extend(buttons[start:start + width] for start in range(0, len(buttons), width))
    if not out:
        return None
    return {"type": "inline_keyboard", "payload": {"buttons": out}}
