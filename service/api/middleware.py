"""Pure ASGI middleware (cheaper per request than BaseHTTPMiddleware): body size limit and request metrics."""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi import HTTPException
from prometheus_client import CollectorRegistry, Counter, Histogram

Scope = dict[str, Any]


async def _send_json(send: Any, code: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": code, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


class BodyLimitMiddleware:
    """Refuse bodies over `max_bytes` with 413, by Content-Length or while streaming a chunked body."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _message(self) -> dict[str, Any]:
        mib = self.max_bytes / 1024 / 1024
        return {"detail": f"тело запроса больше допустимых {self.max_bytes} байт ({mib:.1f} МиБ)"}

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await _send_json(send, 413, self._message())
            return
        received = 0
        started = False

        async def limited_receive() -> dict[str, Any]:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge(status_code=413, detail=self._message()["detail"])
            return message

        async def tracking_send(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _send_json(send, 413, self._message())


class _TooLarge(HTTPException):
    """Raised while a chunked body streams in. An HTTPException, so FastAPI's body reader passes it on
    as a 413 (any other exception there becomes «400 There was an error parsing the body»)."""


class Metrics:
    """Request counters and latency histograms in a registry of this app (not the global one)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "painmap_http_requests", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "painmap_http_request_seconds",
            "HTTP request latency",
            ["method", "route"],
            buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.texts = Counter(
            "painmap_texts_classified", "Texts classified or ingested", registry=self.registry
        )


class MetricsMiddleware:
    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        code = 500

        async def recording_send(message: dict[str, Any]) -> None:
            nonlocal code
            if message["type"] == "http.response.start":
                code = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            # The route's template (bounded label set), not the raw path; FastAPI's included routers keep
            # templates without their prefix, so the /v1 prefix is added back here.
            template = getattr(scope.get("route"), "path", None)
            prefix = "/v1" if scope.get("path", "").startswith("/v1/") else ""
            route = prefix + template if template else "unmatched"
            method = scope.get("method", "")
            self.metrics.requests.labels(method, route, str(code)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - start)
