"""API keys: random secrets shown once, stored only as sha256, each with a role.

Roles are ordered reader < analyst < admin; a route asks for the weakest role that may call it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db.models import ROLES, ApiKey

KEY_PREFIX = "pm_"
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the key's id, display prefix, name and role."""

    key_id: int
    prefix: str
    name: str | None
    role: str

    @property
    def author(self) -> str:
        """What change history records as the author."""
        return self.name or self.prefix

    def allows(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(session: Session, role: str, name: str | None = None) -> str:
    """Store a new key's hash and return the plain key (the only time it exists)."""
    if role not in ROLE_RANK:
        raise ValueError(f"неизвестная роль {role!r}: допустимы {', '.join(ROLES)}")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiKey(key_hash=hash_key(key), prefix=key[:10], role=role, name=name))
    session.flush()
    return key


def authenticate(session: Session, key: str) -> Principal | None:
    """The principal of a valid, non-revoked key, else None."""
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key)))
    if row is None or row.revoked_at is not None:
        return None
    return Principal(key_id=row.id, prefix=row.prefix, name=row.name, role=row.role)


def revoke_key(session: Session, prefix: str) -> int:
    """Revoke every key whose display prefix matches; returns how many."""
    rows = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))).all()
    for row in rows:
        row.revoked_at = datetime.now(UTC)
    return len(rows)
