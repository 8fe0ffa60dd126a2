"""Dependencies shared by the routers: DB session, the calling key and its role, the served model."""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader

from service.auth import ROLE_RANK, Principal, authenticate, hash_key
from service.db.session import new_session, request_session
from service.modelling.serving import ModelHolder, ServedModel

api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="Ключ API (`painmap keys create --role reader|analyst|admin`).",
)


# One session per request, shared with the pages (service.db.session).
get_db = request_session


class KeyCache:
    """Recently seen keys (by sha256) → principal, so a request does not cost a DB round trip for auth.

    A revoked key keeps working on a worker for at most `ttl` seconds (1 s: with 30 s a revoked key made
    51 writes after `painmap keys revoke`); a lookup a second per key and worker costs nothing.
    """

    def __init__(self, ttl: float = 1.0, size: int = 1024) -> None:
        self.ttl, self.size = ttl, size
        self._entries: dict[str, tuple[Principal, float]] = {}

    def get(self, digest: str) -> Principal | None:
        entry = self._entries.get(digest)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def put(self, digest: str, principal: Principal) -> None:
        if len(self._entries) >= self.size:
            self._entries.clear()  # rare; simpler than LRU bookkeeping on every request
        self._entries[digest] = (principal, time.monotonic() + self.ttl)


def _lookup(database_url: str, key: str) -> Principal | None:
    session = new_session(database_url)
    try:
        return authenticate(session, key)
    finally:
        session.close()


async def current_principal(request: Request, key: str | None = Security(api_key_header)) -> Principal:
    # async: a cache hit costs no threadpool hop. A miss looks the key up in a worker thread, never on the
    # loop: waiting there for a pooled connection (all held by requests whose endpoints needed the loop to
    # finish) froze the worker — a soak's reads and writes then waited 30 s each and never caught up.
    if not key:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "нужен ключ API в заголовке X-API-Key",
            headers={"WWW-Authenticate": "X-API-Key"},
        )
    cache: KeyCache = request.app.state.key_cache
    digest = hash_key(key)
    principal = cache.get(digest)
    if principal is None:
        principal = await run_in_threadpool(_lookup, request.app.state.settings.database_url, key)
        if principal is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "ключ API из заголовка X-API-Key не найден или отозван",
                headers={"WWW-Authenticate": "X-API-Key"},
            )
        cache.put(digest, principal)
    return principal


def require_role(role: str) -> Callable[[Principal], Principal]:
    """Dependency factory: the caller's key must have `role` or a stronger one (else 403)."""
    if role not in ROLE_RANK:
        raise ValueError(f"unknown role {role!r}")

    async def check(principal: Principal = Depends(current_principal)) -> Principal:
        if not principal.allows(role):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"нужна роль {role} или выше; у ключа роль {principal.role}"
            )
        return principal

    return check


reader = require_role("reader")
analyst = require_role("analyst")
admin = require_role("admin")


async def model_holder(request: Request) -> ModelHolder:
    return request.app.state.models


async def served_model(holder: ModelHolder = Depends(model_holder)) -> ServedModel:
    """The champion model, or 503 with the reason none is loaded."""
    model = holder.get()
    if model is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"модель не загружена: {holder.problem}")
    return model


def known_query(request: Request) -> None:
    """A query parameter the operation does not take is refused (422 naming it and the ones it takes): a
    misspelt «perod=2025Q1» would otherwise be ignored and the answer cover every quarter."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or not request.query_params:
        return
    allowed = _query_names(route)
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        shown = ", ".join(f"«{name[:40]}»" for name in unknown[:5])
        takes = ", ".join(sorted(allowed)) or "никаких"
        raise HTTPException(422, f"неизвестные параметры запроса: {shown}; эта операция принимает: {takes}")


_QUERY_NAMES: dict[int, frozenset[str]] = {}


def _query_names(route) -> frozenset[str]:  # noqa: ANN001 (a starlette route)
    key = id(route)
    if key not in _QUERY_NAMES:
        names: set[str] = set()
        pending = [route.dependant]
        while pending:  # the operation's own parameters and those of its dependencies (ReportQuery, …)
            dependant = pending.pop()
            names.update(p.alias for p in dependant.query_params)
            pending.extend(dependant.dependencies)
        _QUERY_NAMES[key] = frozenset(names)
    return _QUERY_NAMES[key]
