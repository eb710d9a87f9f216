"""Turn ``text`` + ``parse_mode`` into plain text + entities, the way Telegram does.

Only as much as the fake needs: the plain text (for the 4096/1024 length
rules and for "message is not modified"), entities (so the returned Message
looks real), and rejection of markup Telegram rejects, with Telegram-like
messages. The error text is appended to "Bad Request: can't parse entities: ".
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field


class EntityParseError(ValueError):
    pass


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


@dataclass
class _Open:
    name: str
    kind: str | None
    start: int  # UTF-16 offset in the plain text
    attrs: dict[str, str] = field(default_factory=dict)
    byte_offset: int = 0
    extra: dict = field(default_factory=dict)


class _Builder:
    """Accumulates plain text and tracks its UTF-16 length."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.entities: list[dict] = []

    def add(self, s: str) -> None:
        self.parts.append(s)
        self.pos += utf16_len(s)

    def entity(self, kind: str, start: int, **extra: object) -> None:
        if self.pos > start:  # Telegram drops empty entities
            self.entities.append({"type": kind, "offset": start, "length": self.pos - start, **extra})

    def result(self) -> tuple[str, list[dict]]:
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), self.entities


# ---------------------------------------------------------------- HTML

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",  # only with class="tg-spoiler"
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_START_TAG = re.compile(
    r"<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s=>/]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*/?>"
)
_END_TAG = re.compile(r"</([a-zA-Z][a-zA-Z0-9-]*)\s*>")
_ATTR = re.compile(r"([^\s=]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+))?")
_HTML_ENTITY = re.compile(r"&(#[xX][0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot);")


def parse_html(text: str) -> tuple[str, list[dict]]:
    out = _Builder()
    stack: list[_Open] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "<":
            off = _byte_offset(text, i)
            if text.startswith("</", i):
                m = _END_TAG.match(text, i)
                if not m:
                    raise EntityParseError(f"Unclosed end tag at byte offset {off}")
                name = m.group(1).lower()
                if not stack:
                    raise EntityParseError(f"Unexpected end tag at byte offset {off}")
                top = stack.pop()
                if top.name != name:
                    raise EntityParseError(
                        f'Unmatched end tag at byte offset {off}, expected "</{top.name}>", found "</{name}>"'
                    )
                _close_html(top, stack, out)
                i = m.end()
                continue
            m = _START_TAG.match(text, i)
            if not m:
                # A bare "<" (e.g. unescaped user input): Telegram names what follows it.
                name = re.match(r"[^\s<>]*", text[i + 1 :]).group(0)  # type: ignore[union-attr]
                raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {off}')
            name = m.group(1).lower()
            if name not in _HTML_TAGS:
                raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {off}')
            attrs = {
                a.group(1).lower(): html.unescape((a.group(2) or "").strip("\"'"))
                for a in _ATTR.finditer(m.group(2) or "")
            }
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {off}')
            stack.append(_Open(name, _HTML_TAGS[name], out.pos, attrs, off))
            i = m.end()
            continue
        if ch == "&":
            m = _HTML_ENTITY.match(text, i)
            if m:
                out.add(html.unescape(m.group(0)))
                i = m.end()
                continue
        out.add(ch)  # a lone "&" is tolerated, like Telegram does
        i += 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return out.result()


def _close_html(tag: _Open, stack: list[_Open], out: _Builder) -> None:
    if tag.name == "code" and stack and stack[-1].name == "pre":
        # <pre><code class="language-x"> is one pre entity with a language.
        lang = tag.attrs.get("class", "")
        if lang.startswith("language-"):
            stack[-1].extra["language"] = lang[len("language-") :]
            return
    if tag.kind == "text_link":
        href = tag.attrs.get("href")
        if href:
            out.entity("text_link", tag.start, url=href)
        return
    if tag.kind == "custom_emoji":
        out.entity("custom_emoji", tag.start, custom_emoji_id=tag.attrs.get("emoji-id", ""))
        return
    if tag.kind == "blockquote" and "expandable" in tag.attrs:
        out.entity("expandable_blockquote", tag.start)
        return
    out.entity(tag.kind, tag.start, **tag.extra)  # type: ignore[arg-type]


# ---------------------------------------------------------------- MarkdownV2

_MD2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MD2_NAMES = {
    "*": ("bold", "Bold"),
    "_": ("italic", "Italic"),
    "__": ("underline", "Underline"),
    "~": ("strikethrough", "Strikethrough"),
    "||": ("spoiler", "Spoiler"),
    "[": ("text_link", "TextUrl"),
}


def parse_markdown_v2(text: str) -> tuple[str, list[dict]]:
    """Simplified MarkdownV2: enough to catch unescaped reserved characters and
    unbalanced markers, the usual mistakes."""
    out = _Builder()
    stack: list[_Open] = []
    i, n = 0, len(text)
    line_start = True
    while i < n:
        ch = text[i]
        off = _byte_offset(text, i)
        if ch == "\\":
            if i + 1 < n and 0 < ord(text[i + 1]) < 127:
                out.add(text[i + 1])
                i += 2
            else:
                out.add(ch)
                i += 1
            line_start = False
            continue
        if ch == "`":
            fence = "```" if text.startswith("```", i) else "`"
            j, body, language = i + len(fence), [], None
            if fence == "```":
                nl = text.find("\n", j)
                if nl != -1 and re.fullmatch(r"[\w+-]*", text[j:nl]):
                    language, j = (text[j:nl] or None), nl + 1
            while j < n and not text.startswith(fence, j):
                if text[j] == "\\" and j + 1 < n and text[j + 1] in "`\\":
                    j += 1
                body.append(text[j])
                j += 1
            if j >= n:
                name = "Pre" if fence == "```" else "Code"
                raise EntityParseError(f"Can't find end of {name} entity at byte offset {off}")
            start = out.pos
            out.add("".join(body))
            if fence == "```":
                out.entity("pre", start, **({"language": language} if language else {}))
            else:
                out.entity("code", start)
            i = j + len(fence)
            line_start = False
            continue
        marker = None
        if text.startswith("||", i):
            marker = "||"
        elif text.startswith("__", i):
            marker = "__"
        elif ch in "*_~":
            marker = ch
        if marker:
            if stack and stack[-1].name == marker:
                top = stack.pop()
                out.entity(top.kind, top.start)  # type: ignore[arg-type]
            else:
                stack.append(_Open(marker, _MD2_NAMES[marker][0], out.pos, byte_offset=off))
            i += len(marker)
            line_start = False
            continue
        if ch == "[":
            stack.append(_Open("[", "text_link", out.pos, byte_offset=off))
            i += 1
            continue
        if ch == "]" and stack and stack[-1].name == "[":
            top = stack.pop()
            m = re.match(r"\(((?:\\.|[^)\\])*)\)", text[i + 1 :])
            if not m:
                raise EntityParseError(f"Can't find end of a URL at byte offset {off}")
            out.entity("text_link", top.start, url=re.sub(r"\\(.)", r"\1", m.group(1)))
            i += 1 + m.end()
            continue
        if ch == ">" and line_start:
            i += 1  # blockquote marker; no entity needed for the fake
            continue
        if ch in _MD2_RESERVED:
            raise EntityParseError(f"Character '{ch}' is reserved and must be escaped with the preceding '\\'")
        out.add(ch)
        line_start = ch == "\n"
        i += 1
    if stack:
        top = stack[-1]
        raise EntityParseError(f"Can't find end of {_MD2_NAMES[top.name][1]} entity at byte offset {top.byte_offset}")
    return out.result()


# ---------------------------------------------------------------- legacy Markdown


def parse_markdown(text: str) -> tuple[str, list[dict]]:
    out = _Builder()
    kinds = {"*": "bold", "_": "italic", "`": "code"}
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in "*_`[":
            out.add(text[i + 1])
            i += 2
            continue
        if ch in kinds or ch == "[":
            close = "]" if ch == "[" else ch
            j = text.find(close, i + 1)
            if j == -1:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            start = out.pos
            out.add(text[i + 1 : j])
            if ch == "[":
                m = re.match(r"\(([^)]*)\)", text[j + 1 :])
                if m:
                    out.entity("text_link", start, url=m.group(1))
                    j += m.end()
            else:
                out.entity(kinds[ch], start)
            i = j + 1
            continue
        out.add(ch)
        i += 1
    return out.result()


# ---------------------------------------------------------------- entry point


def _strip(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Telegram trims surrounding whitespace and shifts/clips entities accordingly."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    result = []
    for e in entities:
        start = max(0, e["offset"] - lead)
        end = min(total, e["offset"] - lead + e["length"])
        if end > start:
            result.append({**e, "offset": start, "length": end - start})
    return stripped, result


def parse_text(text: str, parse_mode: str | None = None, entities: list[dict] | None = None) -> tuple[str, list[dict]]:
    """Return ``(plain_text, entities)``; raises :class:`EntityParseError`.

    Explicit ``entities`` win over ``parse_mode``, as in the Bot API.
    """
    if entities:
        return _strip(text, [dict(e) for e in entities])
    mode = (parse_mode or "").lower()
    if mode == "html":
        plain, ents = parse_html(text)
    elif mode == "markdownv2":
        plain, ents = parse_markdown_v2(text)
    elif mode == "markdown":
        plain, ents = parse_markdown(text)
    elif mode:
        raise EntityParseError(f'Unsupported parse_mode "{parse_mode}"')
    else:
        plain, ents = text, []
    return _strip(plain, ents)
