"""What a transport may answer instead of a message id. The edge maps its client's errors to these."""
from __future__ import annotations


class DeliveryError(Exception):
    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason


class RetryAfter(DeliveryError):
    """Flood control (429): everyone waits `seconds`, the message is retried without counting an attempt."""

    def __init__(self, seconds: float, reason: str = "") -> None:
        super().__init__(reason or f"retry after {seconds} s")
        self.seconds = float(seconds)


class Blocked(DeliveryError):
    """The person blocked the bot, deleted the account, or the chat is gone (403)."""


class Transient(DeliveryError):
    """5xx, network error or timeout: retried with backoff a bounded number of times."""


class Rejected(DeliveryError):
    """Any other refusal (400): retrying would not help."""
