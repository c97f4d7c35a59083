"""Masking personal data in text the public sees, and the unguessable public ticket ids.

Pure: standard library only. The coordinator keeps the original text; only the public
views (tracking page, Open311, exports to the public) pass through `mask`.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable

NIK = "[NIK]"
PHONE = "[telepon]"
EMAIL = "[email]"
NAME = "[nama]"
HOUSE = "No. [..]"

# Public ids: 16 symbols of a 32-letter alphabet (80 bits), in groups of four so a
# citizen can read one over the phone; no 0/O or 1/I.
PUBLIC_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_PUBLIC_ID = re.compile(rf"^[{PUBLIC_ALPHABET}]{{4}}(?:-[{PUBLIC_ALPHABET}]{{4}}){{3}}$")


def new_public_id() -> str:
    """A random, non-sequential public ticket id, e.g. K7QM-3XD9-PW2H-A4CF."""
    raw = "".join(secrets.choice(PUBLIC_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def normalize_public_id(text: str) -> str | None:
    """The canonical form of a public id typed by a person (any case, spaces), or None."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    compact = re.sub(r"[\s-]", "", text).upper()
    if len(compact) != 16:
        return None
    candidate = "-".join(compact[i:i + 4] for i in range(0, 16, 4))
    return candidate if _PUBLIC_ID.match(candidate) else None


# ----------------------------------------------------------------------------- masking

# Separators people put inside numbers: spaces, dots, dashes, slashes, brackets.
_SEP = r"[ \t.\-/()\u00a0]"
_NUMBER_RUN = re.compile(rf"\+?\(?\d(?:{_SEP}{{0,3}}\d)+\)?")
_DATE = re.compile(r"^\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})$")
_TIME = re.compile(r"^\d{1,2}[.:]\d{2}$")
_EMAIL = re.compile(
    r"[\w.+-]+\s*(?:@|\(at\)|\[at\]|\{at\})\s*[\w-]+"
    r"(?:(?:\.|\s*(?:\(dot\)|\[dot\]|\{dot\})\s*)[\w-]+)+", re.IGNORECASE)
_HOUSE = re.compile(
    r"\b(?:No|Nomor|Nomer|Nmr)\b\.?\s*:?\s*\d+(?:\s?[A-Za-z]\b)?(?:\s?[/-]\s?\d+[A-Za-z]?\b)?",
    re.IGNORECASE)
# A name after "nama saya", "saya bernama", "atas nama", "nama:" (any case, up to 3 words).
_NAME_INTRO = re.compile(
    r"\b(?P<intro>nama\s+saya|saya\s+bernama|atas\s+nama|nama\s*:|nama\s+pelapor\s*:?|"
    r"my\s+name\s+is)\s+(?P<name>[^\W\d_][\w'.]*(?:\s+[^\W\d_][\w'.]*){0,2})",
    re.IGNORECASE)
# Words that end a name when it is written in lower case.
_NOT_NAME = frozenset(["dan", "atau", "dari", "di", "ke", "yang", "warga", "tinggal", "ingin", "mau", "akan", "sudah", "telah", "sedang", "tidak", "ini", "itu", "melaporkan", "lapor", "mengadu", "mohon", "minta", "rumah", "alamat", "jalan", "jl", "gang", "gg", "rt", "rw", "kelurahan", "desa", "kecamatan", "no", "nomor", "hp", "telp", "wa", "adalah", "and", "from", "at", "i", "want", "live"])
# An honorific followed by a capitalised name: "Bapak Suparno", "Ibu Siti", "Bpk/Ibu X".
_HONORIFIC = re.compile(
    r"\b(?P<title>(?i:Bapak|Bpk|Pak|Ibu|Bu|Sdr|Sdri|Saudara|Saudari|Mas|Mbak|Mbah|"
    r"Tuan|Nyonya|Ny|Mr|Mrs|Ms)\.?(?:\s*/\s*(?:Bapak|Bpk|Pak|Ibu|Bu)\.?)?)"
    r"\s+(?P<name>[A-Z][\w'.]*(?:\s+[A-Z][\w'.]*){0,2})")
# "Saya Budi Santoso, warga ..." (a capitalised word right after "saya").
_SAYA = re.compile(r"\b(?P<intro>[Ss]aya)\s+(?P<name>[A-Z][a-z'.]+(?:\s+[A-Z][a-z'.]+){0,2})")
# Dates and clock times look like digit runs; they are shielded before numbers are masked.
_SHIELD = re.compile(
    rf"(?<![\d])(?:\d{{1,2}}[./-]\d{{1,2}}[./-](?:\d{{4}}|\d{{2}}(?!{_SEP}?\d))"
    rf"|(?:[01]?\d|2[0-3])[.:][0-5]\d(?!{_SEP}?\d))(?![\d])")
# Capitalised words after an honorific that are offices, not people.
_OFFICES = frozenset(["RT", "RW", "Lurah", "Camat", "Kades", "Wali", "Walikota", "Kapolsek", "Kapolres", "Bupati", "Gubernur", "Kepala", "Ketua", "Polisi", "Dokter", "Guru", "Presiden", "Menteri", "Direktur", "Petugas", "Satpam", "Dinas", "Kota"])


def _ascii_digits(text: str) -> str:
    # Full-width and other script digits (０８１２, ٠٨١٢) become ASCII so the number
    # patterns see them; a full-width plus/slash/dash likewise.
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
            continue
        value = unicodedata.decimal(ch, None)
        if value is not None:
            out.append(str(value))
        elif "\uff01" <= ch <= "\uff5e":  # full-width ASCII (＠, ＋, ／, letters)
            out.append(chr(ord(ch) - 0xFEE0))
        elif ch in "－‐‑‒–—":
            out.append("-")
        elif ch == "\u3000":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def _is_phone(digits: str) -> bool:
    # Indonesian numbers: mobile 08…/628…, landlines 0xx… with an area code (02…–09…).
    if digits.startswith("62"):
        digits = "0" + digits[2:]
    return 9 <= len(digits) <= 14 and digits[0] == "0" and digits[1] in "23456789"


def _mask_number(m: re.Match[str]) -> str:
    run = m.group(0)
    core = run.strip("()")
    if _DATE.match(core) or _TIME.match(core):
        return run
    digits = re.sub(r"\D", "", run)
    if len(digits) == 16:
        return NIK
    if _is_phone(digits):
        return PHONE
    if len(digits) > 16:
        # Two numbers run together ("NIK 3571… HP 0812…") or a long id: never show it.
        return "[angka]"
    return run


def _mask_intro(m: re.Match[str]) -> str:
    # Keep the words after the name ("nama saya budi warga RT 3": "warga RT 3" stays).
    name = m.group("name")
    end = 0
    for word in re.finditer(r"\S+", name):
        if word.group(0).lower().strip(".,") in _NOT_NAME:
            break
        end = word.end()
    if end == 0:
        return m.group(0)
    return m.group(0)[:m.start("name") - m.start()] + NAME + name[end:]


def _mask_honorific(m: re.Match[str]) -> str:
    words = m.group("name").split()
    if words[0].strip(".") in _OFFICES:
        return m.group(0)
    return f"{m.group('title')} {NAME}"


def _mask_known(text: str, known: Iterable[str | None]) -> str:
    # The reporter's own name, phone and e-mail as given in the form, wherever they occur.
    for value in known:
        value = (value or "").strip()
        if len(value) < 3:
            continue
        if re.sub(r"\D", "", value) and len(re.sub(r"\D", "", value)) >= 6:
            continue  # numbers are caught by the number patterns in any spelling
        parts = {value, *(w for w in value.split() if len(w) >= 4)}
        for part in sorted(parts, key=len, reverse=True):  # the whole name first
            text = re.sub(rf"(?<!\w){re.escape(part)}(?!\w)", NAME, text, flags=re.IGNORECASE)
    return text


def mask(text: str | None, known: Iterable[str | None] = ()) -> str:
    """Mask NIK, phone numbers, e-mail, house numbers and recognisable names in `text`."""
    text = _ascii_digits(text or "")
    text = _EMAIL.sub(EMAIL, text)
    text = _mask_known(text, known)
    shielded: list[str] = []

    def shield(m: re.Match[str]) -> str:
        shielded.append(m.group(0))
        return "\ue000" + chr(0xE100 + len(shielded) - 1) + "\ue001"

    if len(text) < 20000:  # far above any description; keeps the private-use range free
        text = _SHIELD.sub(shield, text)
    text = _NUMBER_RUN.sub(_mask_number, text)
    text = re.sub("\ue000(.)\ue001", lambda m: shielded[ord(m.group(1)) - 0xE100], text)
    text = _HOUSE.sub(HOUSE, text)
    text = _NAME_INTRO.sub(_mask_intro, text)
    text = _SAYA.sub(_mask_intro, text)
    return _HONORIFIC.sub(_mask_honorific, text)
