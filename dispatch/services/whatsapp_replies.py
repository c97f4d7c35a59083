"""Replies to WhatsApp reporters (ticket number, status changes, staff replies), written to
the outbox in the caller's transaction and sent by the outbox sender (webhooks.py).

A reply leaves from the business number the reporter wrote to (their latest intake item's
`phone_number_id`), else from `SIAGA_WHATSAPP_PHONE_NUMBER_ID`; without either, or without
an access token, nothing is written.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models_complaints import Complaint, WebhookDelivery
from ..db.models_intake import IntakeItem
from ..domain import complaints as rules
from ..domain.phones import to_e164, wa_id
from . import webhooks

if TYPE_CHECKING:
    from ..runtime import Runtime

CHANNEL = "whatsapp"
MAX_REPLY = 4096  # the Graph API's limit for a text body


def business_number(session: Session, rt: Runtime, sender: str) -> str | None:
    """The business phone number id `sender` last wrote to, else the configured one."""
    found = session.scalar(
        select(IntakeItem.business_number_id)
        .where(IntakeItem.channel == CHANNEL, IntakeItem.sender == sender,
               IntakeItem.business_number_id.is_not(None))
        .order_by(IntakeItem.last_at.desc()).limit(1))
    return found or rt.settings.whatsapp_phone_number_id


def enqueue_text(session: Session, rt: Runtime, to: str, text: str, event: str,
                 ticket: str | None = None) -> WebhookDelivery | None:
    """A text message to `to` (E.164) in the outbox, or None when replies are off."""
    if webhooks.whatsapp_outbox(rt) is None:
        return None
    number = to_e164(to)
    if number is None:
        return None
    address = business_number(session, rt, number)
    if address is None:
        return None
    body = json.dumps({"messaging_product": "whatsapp", "recipient_type": "individual",
                       "to": wa_id(number), "type": "text",
                       "text": {"preview_url": False, "body": text[:MAX_REPLY]}},
                      ensure_ascii=False, separators=(",", ":"))
    return webhooks.enqueue_message(session, rt, event, body, target="whatsapp",
                                    address=address, ticket=ticket)


def _reporter(c: Complaint) -> str | None:
    return c.reporter_phone if c.channel == CHANNEL and c.reporter_phone else None


def complaint_created(session: Session, rt: Runtime, c: Complaint,
                      citizen_code: str | None) -> None:
    """Tell a WhatsApp reporter their ticket number (and the code to follow it)."""
    to = _reporter(c)
    if to is None:
        return
    text = (f"Terima kasih, laporan Anda tercatat dengan nomor tiket {c.ticket}. "
            f"Kode lacak: {c.public_id}")
    if citizen_code:
        text += f", kode akses: {citizen_code}"
    text += (f".\nThank you, your report is ticket {c.ticket}. Tracking id: {c.public_id}"
             + (f", access code: {citizen_code}." if citizen_code else "."))
    enqueue_text(session, rt, to, text, "whatsapp.complaint_created", c.ticket)


def complaint_status(session: Session, rt: Runtime, c: Complaint, previous: str) -> None:
    """Tell a WhatsApp reporter their ticket changed status."""
    to = _reporter(c)
    if to is None or previous == c.status:
        return
    label = rules.STATUS_LABELS.get(c.status, c.status)
    text = f"Tiket / Ticket {c.ticket}: {label}."
    if c.status == "rejected" and c.reject_reason:
        text += f"\n{c.reject_reason}"
    enqueue_text(session, rt, to, text, "whatsapp.complaint_status", c.ticket)


def complaint_reply(session: Session, rt: Runtime, c: Complaint, message: str) -> None:
    """Forward a department's public reply to a WhatsApp reporter."""
    to = _reporter(c)
    if to is None:
        return
    enqueue_text(session, rt, to, f"Tiket {c.ticket} — balasan / reply:\n{message}",
                 "whatsapp.complaint_reply", c.ticket)


def incident_taken(session: Session, rt: Runtime, sender: str, incident_id: int) -> None:
    """Tell a WhatsApp reporter their emergency is being handled."""
    enqueue_text(session, rt, sender,
                 f"Laporan darurat Anda diterima dan sedang ditangani (kejadian #{incident_id})."
                 f"\nYour emergency report was received and is being handled "
                 f"(incident #{incident_id}).", "whatsapp.incident_taken")
