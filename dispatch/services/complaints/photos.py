"""Complaint photos: size and type checks, storage, retrieval."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import NotFound, ValidationError
from .common import ComplaintActor, _visible

if TYPE_CHECKING:
    from ...runtime import Runtime

MAX_PHOTO_BYTES = 5 * 1024 * 1024


PHOTO_TYPES: Mapping[str, str] = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


_PHOTO_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp)$")


def upload_dir(rt: Runtime) -> Path:
    """Where complaint photos are kept (SIAGA_UPLOAD_DIR, default var/uploads)."""
    return rt.photos.complaints_dir


def sniff_photo(data: bytes) -> str | None:
    """The photo's type from its magic bytes (jpg, png, webp), or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def store_photo(rt: Runtime, data: bytes) -> str:
    """Check a photo (≤ 5 MB, JPEG/PNG/WebP by content) and store it under a random name."""
    if not data:
        raise ValidationError("the photo is empty", "photo")
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationError("the photo must be at most 5 MB", "photo")
    kind = sniff_photo(data)
    if kind is None:
        raise ValidationError("the photo must be a JPEG, PNG or WebP image", "photo")
    folder = upload_dir(rt)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{kind}"
    fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return name


def _discard_photo(rt: Runtime, name: str | None) -> None:
    if name and _PHOTO_NAME.match(name):
        with contextlib.suppress(OSError):
            (upload_dir(rt) / name).unlink()


def photo_file(rt: Runtime, ticket: str, actor: ComplaintActor) -> tuple[Path, str]:
    """The stored photo of a ticket and its content type (staff who may see the ticket)."""
    with rt.session() as s:
        c = _visible(s, ticket, actor)
        name, mime = c.photo_path, c.photo_type
    if not name or not _PHOTO_NAME.match(name) or not mime:
        raise NotFound("this complaint has no photo")
    path = upload_dir(rt) / name
    if not path.is_file():
        raise NotFound("the photo file is missing")
    return path, mime
