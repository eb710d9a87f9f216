"""Who is acting: the person, their memberships and the network they are working in."""
from __future__ import annotations

from dataclasses import dataclass, field

from db.models import Membership, Role, User


@dataclass
class Viewer:
    messenger_id: int
    user: User | None
    is_admin: bool
    memberships: list[Membership] = field(default_factory=list)
    platform: str = "telegram"  # the messenger the update came from: the person is (platform, messenger_id)

    @property
    def registered(self) -> bool:
        return self.user is not None and self.user.is_registered

    @property
    def membership(self) -> Membership | None:
        """The network in use: the one chosen in settings, else the first active one."""
        active = [m for m in self.memberships if m.is_active]
        if not active:
            return None
        chosen = (self.user.notification_prefs or {}).get("network_id") if self.user else None
        return next((m for m in active if m.network_id == chosen), active[0])

    def has(self, role: Role) -> bool:
        membership = self.membership
        return membership is not None and role in membership.roles

    @property
    def is_coordinator(self) -> bool:
        return self.has(Role.COORDINATOR)

    @property
    def is_mentor(self) -> bool:
        return self.has(Role.MENTOR)

    def coordinates(self, network_id: int) -> bool:
        return any(m.network_id == network_id and m.is_active and m.is_coordinator for m in self.memberships)
