"""Read an untrusted file in a throwaway worker process, under a memory cap and a time limit.

A crafted 2 KB office file can make a parser allocate gigabytes or spin for minutes. Parsing on the event
loop would freeze the bot for everyone, and a MemoryError or an abort would take the whole process down.
So each parse runs in its own process forked from a forkserver (the parser modules are imported there
once, so a job starts in milliseconds), with ``RLIMIT_AS`` at ``limits.parse_memory_mb`` and killed after
``limits.parse_seconds``. At most ``MAX_WORKERS`` parses run at once; the rest wait their turn.

The function must be importable at module level and its arguments and result picklable. A
:class:`DomainError` it raises, or an exception of a class in ``passthrough``, reaches the caller as the
same error; anything else (a parser's own exception, running out of memory or time, the worker dying)
becomes :class:`FileRejected`.
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import resource
import weakref
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from bot.services.errors import DomainError

from .limits import FileLimits, FileRejected

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_WORKERS = 2
# Imported once in the forkserver, so a forked worker doesn't pay for them on every file.
PRELOAD = ["bot.services.uploads.limits", "openpyxl", "docx", "yaml"]
PRELOAD += ["bot.services.uploads.tables", "bot.services.mentoring.sheets", "bot.services.forms.upload"]

_context: Any = None
_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def _mp_context() -> Any:
    global _context
    if _context is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        _context = context
    return _context


def _gate() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = asyncio.Semaphore(MAX_WORKERS)
    return gate


async def run_untrusted(
    func: Callable[..., T],
    *args: Any,
    limits: FileLimits,
    passthrough: tuple[type[Exception], ...] = (),
) -> T:
    """``func(*args)`` in a capped worker process; its DomainError passes through, anything else is refused."""
    async with _gate():
        return await asyncio.to_thread(_run_blocking, func, args, limits, (DomainError, *passthrough))


def _run_blocking(
    func: Callable[..., T], args: tuple[Any, ...], limits: FileLimits, passthrough: tuple[type[Exception], ...]
) -> T:
    context = _mp_context()
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_work, args=(sender, func, args, limits, passthrough), daemon=True)
    worker.start()
    sender.close()  # the worker holds its end; EOF here means it died
    try:
        if not receiver.poll(limits.parse_seconds):
            log.warning("untrusted parse %s exceeded %.0f s; worker killed", _name(func), limits.parse_seconds)
            raise FileRejected("uploads.too_complex")
        try:
            outcome = receiver.recv()
        except (EOFError, OSError):
            outcome = None
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join(5)
        receiver.close()
    if outcome is None:
        log.warning("untrusted parse %s: worker died (exit code %s)", _name(func), worker.exitcode)
        raise FileRejected("uploads.too_complex")
    status, *payload = outcome
    if status == "ok":
        return payload[0]
    if status == "raise":
        raise payload[0]
    log.warning("untrusted parse %s failed: %s", _name(func), payload[0])
    raise FileRejected("uploads.unreadable")


def _work(
    sender: Connection,
    func: Callable[..., Any],
    args: tuple[Any, ...],
    limits: FileLimits,
    passthrough: tuple[type[Exception], ...],
) -> None:
    cap = limits.parse_memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    cpu = int(limits.parse_seconds) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    try:
        outcome: tuple[Any, ...] = ("ok", func(*args))
    except (MemoryError, RecursionError):
        outcome = ("raise", FileRejected("uploads.too_complex"))
    except passthrough as error:
        outcome = ("raise", error)
    except Exception as error:  # noqa: BLE001 — a parser's own failure on a hostile file is a refusal
        outcome = ("error", f"{type(error).__name__}: {str(error)[:300]}")
    try:
        sender.send(outcome)
    except MemoryError:
        sender.send(("raise", FileRejected("uploads.too_complex")))
    except Exception as error:  # noqa: BLE001 — an unpicklable result or error
        sender.send(("error", f"cannot return the result: {type(error).__name__}"))
    finally:
        sender.close()


def _name(func: Callable[..., Any]) -> str:
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', '?')}"
