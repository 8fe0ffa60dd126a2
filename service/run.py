"""`make run`: prepare the local system and serve it (grown by the service issue)."""

from __future__ import annotations

import uvicorn

from service.config import get_settings


def main() -> None:
    settings = get_settings()
    print(f"painmap: http://{settings.host}:{settings.port}/docs", flush=True)
    uvicorn.run("service.main:create_app", factory=True, host=settings.host, port=settings.port)


if __name__ == "__main__":
    main()
