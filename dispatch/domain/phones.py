"""Phone numbers in one form (E.164), so `0812…`, `+62 812…` and `62812…` are one caller.

Pure: parsing is `phonenumbers` (Google's libphonenumber metadata), no framework.
"""

from __future__ import annotations

import re

import phonenumbers

DEFAULT_REGION = "ID"
MIN_NATIONAL_DIGITS = 8
MAX_E164_LEN = 16  # "+" and at most 15 digits (ITU-T E.164)
_NOT_DIALLED = re.compile(r"[\s().\-/]")


def to_e164(raw: str | None, region: str = DEFAULT_REGION) -> str | None:
    """The number in E.164 (`+6281234567890`), or None when it is not a possible number."""
    if raw is None:
        return None
    text = _NOT_DIALLED.sub("", str(raw))
    if not text:
        return None
    if text.startswith("00"):  # international prefix dialled from most countries
        text = "+" + text[2:]
    candidates = [text]
    if not text.startswith(("+", "0")):
        # WhatsApp and many gateways give the country code without "+" (6281234567890);
        # a leading 0 is a national trunk prefix, so that one is read as national only.
        candidates.insert(0, "+" + text)
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        # Valid by the numbering plan; or possible and long enough to be a subscriber's
        # (a new mobile range may be missing from the metadata), never a short code.
        if phonenumbers.is_valid_number(number) or (
                phonenumbers.is_possible_number(number)
                and len(str(number.national_number)) >= MIN_NATIONAL_DIGITS):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if len(e164) <= MAX_E164_LEN:
                return e164
    return None


def caller_key(raw: str | None, region: str = DEFAULT_REGION) -> str | None:
    """What a number is stored and looked up as: E.164 when possible, else its bare digits
    (a short or odd number an operator typed is kept, not lost)."""
    if raw is None:
        return None
    e164 = to_e164(raw, region)
    if e164 is not None:
        return e164
    bare = _NOT_DIALLED.sub("", str(raw))
    return bare or None


def wa_id(e164: str) -> str:
    """The WhatsApp recipient id of an E.164 number: its digits without the `+`."""
    return e164.lstrip("+")
