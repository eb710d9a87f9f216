"""QR images of invite links, to print on a poster or show on a screen at a seminar."""
from __future__ import annotations

import io

import qrcode


def qr_png(text: str) -> bytes:
    image = qrcode.make(text, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
