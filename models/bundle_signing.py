"""Signatures of model bundles: an HMAC of each manifest keyed by a secret kept beside (never inside) the
model directory, so a bundle re-hashed together with its manifest and the registry's index is still
refused before anything is unpickled (see models.registry)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SECRET_FILE = "painmap.secret"  # beside the model directory, never inside it
SECRET_ENV = "PAINMAP_SECRET_FILE"


class SecretMissing(LookupError):
    """No signing key where the registry expects one (models.registry turns it into a BundleError)."""


def read_secret(path: Path, create: bool = False) -> bytes:
    """The signing key; created (32 random bytes, mode 600) when `create` and there is none."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        if not create:
            raise SecretMissing(
                f"нет секрета реестра моделей ({path}): без него подписи бандлов не "
                f"проверить; укажите файл в {SECRET_ENV} или переобучите модель (painmap train)"
            ) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole under a temp name, then linked into place: two processes saving their first bundle
    # at once agree on one secret, and none reads a half-written one.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(secrets.token_bytes(32))
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass  # another process was first: use its secret
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_bytes()


def manifest_signature(secret_file: Path, manifest_path: Path, create: bool = False) -> str:
    return hmac.new(read_secret(secret_file, create), manifest_path.read_bytes(), hashlib.sha256).hexdigest()


def signatures_match(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)
