"""Dependencies shared by the routers: DB session, the calling key and its role, the served model."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from service.api.serving import ModelHolder, ServedModel
from service.auth import ROLE_RANK, Principal, authenticate
from service.db.session import new_session

api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="Ключ API (`painmap keys create --role reader|analyst|admin`).",
)


def get_db(request: Request) -> Iterator[Session]:
    """A session per request; committed by the route, rolled back if it raised."""
    session = new_session(request.app.state.settings.database_url)
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def current_principal(key: str | None = Security(api_key_header), db: Session = Depends(get_db)) -> Principal:
    if not key:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "нужен ключ API в заголовке X-API-Key",
            headers={"WWW-Authenticate": "X-API-Key"},
        )
    principal = authenticate(db, key)
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "ключ API из заголовка X-API-Key не найден или отозван",
            headers={"WWW-Authenticate": "X-API-Key"},
        )
    return principal


def require_role(role: str) -> Callable[[Principal], Principal]:
    """Dependency factory: the caller's key must have `role` or a stronger one (else 403)."""
    if role not in ROLE_RANK:
        raise ValueError(f"unknown role {role!r}")

    def check(principal: Principal = Depends(current_principal)) -> Principal:
        if not principal.allows(role):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"нужна роль {role} или выше; у ключа роль {principal.role}"
            )
        return principal

    return check


reader = require_role("reader")
analyst = require_role("analyst")
admin = require_role("admin")


def model_holder(request: Request) -> ModelHolder:
    return request.app.state.models


def served_model(holder: ModelHolder = Depends(model_holder)) -> ServedModel:
    """The champion model, or 503 with the reason none is loaded."""
    model = holder.get()
    if model is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"модель не загружена: {holder.problem}")
    return model
