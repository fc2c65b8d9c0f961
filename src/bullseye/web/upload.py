"""Uploads of export files into the workspace's ``data/``: streamed, size-limited, contained.

The multipart body is parsed as it arrives (python-multipart's streaming parser), so the size limit
(``load.upload_max_mb``) holds while the bytes come in, not after a temporary copy of the whole
body: the first byte over it stops the upload with 413 and removes what was written. The CSRF
token is a form field that the form sends before the files; a file part that arrives before a
valid token is refused (403) before any of it is written.

Names come from the client only as a hint: the folder part is dropped, the name is reduced to
letters, digits, ``.``, ``-`` and ``_``, the extension must be one a load reads, and a name that
exists already gets ``-2``, ``-3`` ... instead of replacing the file. Each file is written under a
temporary name in ``.bullseye/uploads`` and moved into ``data/`` when complete, and a file Bullseye cannot read (a binary file
called ``.csv``, an empty file) is removed again with the reader's one-line reason.
"""

from __future__ import annotations

import os
import re
import unicodedata
import uuid
from collections.abc import Callable
from pathlib import Path

from fastapi import Request
from python_multipart.multipart import MultipartParser, parse_options_header

from bullseye.errors import BullseyeError, InvalidInputError
from bullseye.ingest.readers import EXTENSIONS, open_reader
from bullseye.paths import contained

__all__ = ["receive_upload", "safe_file_name", "UploadTooLarge", "UnsupportedUpload", "MAX_NAME"]

MAX_NAME = 120
#: Form fields other than files are short (the CSRF token); more is not a form of ours.
MAX_FIELD_BYTES = 1024
#: A part header (Content-Disposition with a long file name) is a few hundred bytes at most.
MAX_HEADER_BYTES = 8192


class UploadTooLarge(BullseyeError):
    """The upload is larger than ``load.upload_max_mb`` (HTTP 413)."""

    http_status = 413


class UnsupportedUpload(InvalidInputError):
    """A file whose name says it is not an export Bullseye reads (HTTP 415)."""

    http_status = 415


def safe_file_name(client_name: str) -> str:
    """'../../etc/passwd.csv' -> 'passwd.csv', 'C:\\x\\Q3 deals (v2).CSV' -> 'Q3_deals_v2_.csv'.

    The folder part is dropped (either slash), accents folded, anything but letters, digits, dot,
    dash and underscore becomes '_', leading dots go (no hidden files), and the extension must be
    one a load reads (UnsupportedUpload otherwise)."""
    base = re.split(r"[\\/]", client_name or "")[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip("._-")
    stem, dot, extension = base.rpartition(".")
    if not dot or f".{extension.lower()}" not in EXTENSIONS:
        known = ", ".join(sorted(EXTENSIONS))
        raise UnsupportedUpload(f"'{client_name}': not an export Bullseye reads; upload a file ending in {known}")
    stem = re.sub(r"_+", "_", stem).strip("._-")[:MAX_NAME] or "upload"
    return f"{stem}.{extension.lower()}"


def _reserve(folder: Path, name: str) -> Path:
    """A path in ``folder`` for ``name`` that no file has: 'deals.csv', else 'deals-2.csv', ...
    Created empty and exclusively, so two uploads of one name at once never share it."""
    stem, extension = name.rsplit(".", 1)
    for number in range(1, 10_000):
        candidate = folder / (name if number == 1 else f"{stem}-{number}.{extension}")
        try:
            os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            return candidate
        except FileExistsError:
            continue
    raise InvalidInputError(f"{folder}: too many files named like {name}; rename or remove some")


async def receive_upload(
    request: Request,
    folder: Path,
    root: Path,
    staging: Path,
    limit_bytes: int,
    check_csrf: Callable[[str | None], None],
) -> list[Path]:
    """Stream the multipart body of ``request`` into ``folder`` (inside ``root``); the saved paths.

    Files are written in ``staging`` (on the same disk, where no load looks) and moved into
    ``folder`` once complete and readable.

    ``check_csrf(token)`` raises when the token is wrong; it is called before the first file byte
    is written (with None when no token came first)."""
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise InvalidInputError("an upload is a multipart/form-data form with a file field")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit_bytes + 64 * MAX_FIELD_BYTES:
        raise UploadTooLarge(
            f"the upload is {int(declared) / 1e6:,.1f} MB, more than the "
            f"{limit_bytes / 1e6:g} MB limit (load.upload_max_mb in bullseye.yaml)"
        )
    folder = contained(folder, [root], "the data folder")
    folder.mkdir(parents=True, exist_ok=True)
    staging = contained(staging, [root], "the upload staging folder")
    staging.mkdir(parents=True, exist_ok=True)
    state: dict = {
        "headers": {},
        "header": b"",
        "value": b"",
        "fields": {},
        "field": None,
        "file": None,
        "handle": None,
        "written": 0,
        "csrf_checked": False,
    }
    finished: list[tuple[Path, str]] = []  # (temporary path, safe name)

    def count(size: int) -> None:
        """Every byte counts against the limit: file data, form fields and part headers."""
        state["written"] += size
        if state["written"] > limit_bytes:
            raise UploadTooLarge(
                f"the upload is larger than the {limit_bytes / 1e6:g} MB limit "
                "(load.upload_max_mb in bullseye.yaml); nothing was kept"
            )

    def on_header_field(data: bytes, start: int, end: int) -> None:
        count(end - start)
        state["header"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        count(end - start)
        if len(state["value"]) + end - start > MAX_HEADER_BYTES:
            raise InvalidInputError("a part header of the upload is longer than a browser sends")
        state["value"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][state["header"].decode("latin-1").lower()] = state["value"]
        state["header"], state["value"] = b"", b""

    def on_headers_finished() -> None:
        _, disposition = parse_options_header(state["headers"].get("content-disposition", b""))
        name = disposition.get(b"name", b"").decode("utf-8", "replace")
        filename = disposition.get(b"filename")
        state["headers"] = {}
        if filename is None:
            state["field"], state["fields"][name] = name, b""
            return
        if not filename:  # the file input left empty
            state["field"], state["file"] = None, None
            return
        if not state["csrf_checked"]:
            token = state["fields"].get("csrf_token")
            check_csrf(token.decode("utf-8", "replace") if token is not None else None)
            state["csrf_checked"] = True
        safe = safe_file_name(filename.decode("utf-8", "replace"))
        temporary = staging / f"{uuid.uuid4().hex}.{safe.rsplit('.', 1)[1]}"
        state["file"] = (temporary, safe)
        state["handle"] = open(temporary, "xb")  # noqa: SIM115 - written across parser callbacks, closed at part end
        state["field"] = None

    def on_part_data(data: bytes, start: int, end: int) -> None:
        count(end - start)
        if state["handle"] is not None:
            state["handle"].write(data[start:end])
        elif state["field"] is not None:
            value = state["fields"][state["field"]] + data[start:end]
            if len(value) > MAX_FIELD_BYTES:
                raise InvalidInputError(f"form field '{state['field']}' is longer than a form of ours sends")
            state["fields"][state["field"]] = value

    def on_part_end() -> None:
        if state["handle"] is not None:
            state["handle"].close()
            state["handle"] = None
            finished.append(state["file"])
        state["file"], state["field"] = None, None

    parser = MultipartParser(
        boundary,
        {
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    saved: list[Path] = []
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
        if not finished:
            if not state["csrf_checked"]:
                check_csrf(state["fields"].get("csrf_token", b"").decode("utf-8", "replace") or None)
            raise InvalidInputError("no file in the upload: choose or drop a CSV, Excel or Parquet export")
        for temporary, safe in finished:
            try:
                open_reader(temporary).header  # noqa: B018 - reading the header is the check
            except BullseyeError as exc:
                raise InvalidInputError(f"{safe}: {str(exc).split(': ', 1)[-1]}") from None
        for temporary, safe in finished:
            target = _reserve(folder, safe)
            os.replace(temporary, target)
            saved.append(target)
        return saved
    except BaseException:
        if state["handle"] is not None:
            state["handle"].close()
        for leftover in [t for t, _ in finished] + ([state["file"][0]] if state["file"] else []):
            leftover.unlink(missing_ok=True)
        for path in saved:
            path.unlink(missing_ok=True)
        raise
