"""Logins for the pages: an API key pasted once becomes a signed session cookie (Starlette's
SessionMiddleware over itsdangerous; HttpOnly, SameSite=Strict, an expiry, Secure behind https); forms carry
a per-session CSRF token (the synchronizer-token pattern), checked on every POST.

The session keeps the key's id and role, never the key; every request checks that the key is still valid,
so a revoked key ends its sessions at once.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from fastapi import HTTPException, Request, status
from sqlalchemy.orm import Session

from service.auth import ROLE_RANK, Principal, authenticate
from service.db.models import ApiKey

SESSION_COOKIE = "painmap_session"
CSRF_FIELD = "csrf_token"


class LoginRequired(Exception):
    """No valid session: the page answers with a redirect to /login."""


@dataclass(frozen=True)
class PageUser:
    """Who is looking at a page, and the token their forms must send back."""

    principal: Principal
    csrf: str

    def can(self, role: str) -> bool:
        return self.principal.allows(role)


def log_in(request: Request, db: Session, key: str) -> Principal | None:
    """Start a session for a valid key (a fresh CSRF token with it); None for an unknown or revoked key."""
    principal = authenticate(db, key.strip())
    if principal is None:
        return None
    request.session.clear()
    request.session.update(
        {"key_id": principal.key_id, "role": principal.role, "csrf": secrets.token_urlsafe(32)}
    )
    return principal


def log_out(request: Request) -> None:
    request.session.clear()


def page_user(request: Request, db: Session) -> PageUser:
    """The session's user; LoginRequired when there is none or its key was revoked since."""
    key_id, csrf = request.session.get("key_id"), request.session.get("csrf")
    if key_id is None or not csrf:
        request.session.clear()
        raise LoginRequired
    row = db.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None or row.role not in ROLE_RANK:
        request.session.clear()
        raise LoginRequired
    principal = Principal(key_id=row.id, prefix=row.prefix, name=row.name, role=row.role)
    return PageUser(principal, csrf)


def check_form(user: PageUser, token: str | None, role: str) -> None:
    """A POST from a page: the session's CSRF token and a role that may make this change."""
    if not token or not hmac.compare_digest(token, user.csrf):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "форма устарела или подделана: обновите страницу")
    if not user.can(role):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"это изменение доступно роли {role} и выше")
