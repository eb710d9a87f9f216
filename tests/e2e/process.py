"""The bot as a real process (`python main.py …`) pointed at the loopback Telegram through BOT_API_URL."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**settings: str) -> dict[str, str]:
    """The machine's environment without any bot settings a developer may have exported."""
    prefixes = ("BOT_", "WEBHOOK_", "ADMIN_", "DATABASE_", "REDIS_", "RATE_", "THROTTLE_", "TIMEZONE", "MAX_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(settings)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, str(REPO / "main.py"), *args], env=env, cwd=REPO,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    return result


async def cli_async(env: dict[str, str], *args: str) -> str:
    """The CLI without blocking the event loop (the loopback Telegram lives on it)."""
    proc = await asyncio.create_subprocess_exec(sys.executable, str(REPO / "main.py"), *args, env=env, cwd=REPO,
                                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 180)
    assert proc.returncode == 0, err.decode()
    return out.decode()


def _die_with_parent() -> None:
    """Linux: the bot process gets SIGKILL if the test run dies, so no orphan keeps the sender's lock."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class BotProcess:
    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> BotProcess:
        log = self.log_path.open("ab")
        self.proc = await asyncio.create_subprocess_exec(sys.executable, str(REPO / "main.py"), "run",
                                                         env=self.env, cwd=REPO, stdout=log, stderr=log,
                                                         preexec_fn=_die_with_parent)
        log.close()
        return self

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        return await asyncio.wait_for(self.proc.wait(), timeout)

    async def polling(self, fake, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
        """Waits for the first getUpdates; on failure shows what the process said."""
        try:
            await wait_until(lambda: fake.calls_of("getUpdates") or not self.alive, timeout, "polling to start")
        except AssertionError:
            raise AssertionError(f"the bot did not start polling; its log:\n{self.log()[-4000:]}") from None
        assert self.alive, f"the bot exited; its log:\n{self.log()[-4000:]}"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""


async def wait_until(predicate, timeout: float = 20, what: str = "condition") -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
