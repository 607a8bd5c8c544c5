"""How the gate recognises adults: pass codes, phone numbers, identity documents."""

from __future__ import annotations

import re
import secrets

from app.core.security import token_digest

# No 0/O, 1/I/L: a code read aloud or typed from a screenshot has one reading.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
QR_PREFIX = "KEHOU-PICKUP:"


def new_pass_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def qr_payload(code: str) -> str:
    """What the parent's app encodes in the QR; the gate may send it or the typed code."""
    return QR_PREFIX + code


def normalise_code(raw: str) -> str:
    """A typed code or a scanned QR payload as the code it carries (case, spaces, dashes)."""
    text = raw.strip()
    if text.upper().startswith(QR_PREFIX):
        text = text[len(QR_PREFIX) :]
    return re.sub(r"[\s-]", "", text).upper()


def code_digest(code: str) -> str:
    return token_digest("pickup-pass:" + normalise_code(code))


def normalise_phone(phone: str | None) -> str:
    """Digits only, without China's country code, so "+86 138…" and "138…" match."""
    digits = re.sub(r"\D", "", phone or "")
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            return digits[len(prefix) :]
    return digits


def normalise_name(name: str | None) -> str:
    return re.sub(r"\s", "", name or "").casefold()


def mask_phone(phone: str | None) -> str:
    """138****5678: enough for the gate to compare with the adult's own phone."""
    digits = normalise_phone(phone)
    if len(digits) <= 4:
        return "*" * len(digits)
    keep = 3 if len(digits) >= 7 else 1
    return digits[:keep] + "*" * (len(digits) - keep - 4) + digits[-4:]


def normalise_id_number(id_number: str) -> str:
    return re.sub(r"[\s-]", "", id_number).upper()


def id_number_digest(id_number: str) -> str:
    return token_digest("id-number:" + normalise_id_number(id_number))
