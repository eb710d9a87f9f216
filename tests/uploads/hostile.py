"""Functions the sandbox tests run in the worker process (they must be importable there)."""
from __future__ import annotations

import os
import time

from bot.services.errors import DomainError


class ParserSaid(Exception):
    """An exception a caller lets through the sandbox as itself."""


def double(value: int) -> int:
    return value * 2


def refuse(name: str) -> None:
    raise DomainError("roadmap.errors.cannot_open", name=name)


def parser_says(text: str) -> None:
    raise ParserSaid(text)


def breaks() -> None:
    raise KeyError("a parser's own bug on a hostile file")


def hog_memory() -> int:
    blocks = []
    while True:  # what a merged range over a whole sheet does to a naive reader
        blocks.append(bytearray(64 * 1024 * 1024))
        blocks[-1][::4096] = b"x" * len(blocks[-1][::4096])


def spin() -> None:
    while True:
        time.sleep(0.01)


def recurse(depth: int = 0) -> int:
    return recurse(depth + 1) + 1


def abort() -> None:
    os.abort()


def slow_hog(*_: object) -> None:
    """A reader eating memory step by step, as a merged-range bomb does, until the worker's cap stops it."""
    blocks = []
    while True:
        time.sleep(0.2)
        blocks.append(bytearray(48 * 1024 * 1024))
        blocks[-1][::4096] = b"x" * len(blocks[-1][::4096])
