"""Outgoing mail: headers that cannot break, and sending after commit through a job.

Header text comes partly from the admin (brand name, plan names, the support address) and is
validated there, but rows saved before that validation, env values or a future field must
not be able to break every email (a CR/LF in a subject makes Django refuse the message) or
inject a header. So every message is cleaned here just before it is sent."""

import logging
import re
import smtplib
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction

from .jobs import job_task
from .logging import mask_secrets
from .validators import CONTROL_CHARACTERS

logger = logging.getLogger(__name__)

_SPACES = re.compile(r"\s+")

# The job that delivers queued mail (apps/core/tasks.py), looked up by name: tasks import this
# module, not the other way round.
MAIL_DELIVER_JOB = "apps.core.tasks.mail_deliver"
MAIL_TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)


def masked_mail_repr(kind: str) -> str:
    """What Celery logs for a mail job's arguments: never the message, whose body carries live
    reset links and sign-in codes."""
    return f"{{'kind': {kind!r}, 'payload': '<email, not logged>'}}"


def header_text(value: object) -> str:
    """One line: line breaks, tabs and runs of spaces become one space, other control
    characters go."""
    return _SPACES.sub(" ", CONTROL_CHARACTERS.sub(" ", str(value))).strip()


def mail_from(brand_name: str) -> str:
    """The From header: the brand's name (editable in the admin) on DEFAULT_FROM_EMAIL's address,
    so the inbox shows the shop's name whatever the address is."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    name = header_text(brand_name)
    return formataddr((name, address)) if name and address else settings.DEFAULT_FROM_EMAIL


def message_headers_clean(message: EmailMessage) -> EmailMessage:
    """Makes every header of `message` one clean line (in place) and returns it."""
    message.subject = header_text(message.subject)
    message.from_email = header_text(message.from_email)
    for field in ("to", "cc", "bcc", "reply_to"):
        setattr(message, field, [header_text(address) for address in getattr(message, field)])
    message.extra_headers = {
        header_text(name): header_text(value) if isinstance(value, str) else value
        for name, value in message.extra_headers.items()
    }
    return message


def mail_payload(message: EmailMessage) -> dict:
    """A message as plain JSON for a job's arguments."""
    if message.attachments:
        raise ValueError("Queued mail carries no attachments; send this message with mail_send.")
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "content_subtype": message.content_subtype,
        "from_email": str(message.from_email),
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [[str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])],
    }


def mail_from_payload(payload: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload["from_email"],
        to=payload["to"],
        cc=payload.get("cc") or None,
        bcc=payload.get("bcc") or None,
        reply_to=payload.get("reply_to") or None,
        headers=payload.get("headers") or None,
    )
    message.content_subtype = payload.get("content_subtype", "plain")
    for content, mimetype in payload.get("alternatives", []):
        message.attach_alternative(content, mimetype)
    return message


def mail_send(*, message: EmailMessage) -> int:
    """Sends now, headers cleaned first. Raises on SMTP trouble: callers retry."""
    return message_headers_clean(message).send()


def mail_send_payload(*, payload: dict) -> int:
    return mail_send(message=mail_from_payload(payload))


def mail_error_text(exc: BaseException) -> str:
    return mask_secrets(f"{type(exc).__name__}: {exc}")[:300]


def mail_gave_up(payload: dict, kind: str, attempts: int, exc: BaseException) -> bool:
    # The recipients and the error only: the message carries live links and codes. A traceback
    # only for a bug (not a mail server outage); the log filter masks it like every other line.
    logger.error(
        "gave up on the %s email to %s after %d attempt(s): %s",
        kind,
        ", ".join(payload["to"]),
        attempts,
        mail_error_text(exc),
        exc_info=None if isinstance(exc, MAIL_TRANSIENT_ERRORS) else exc,
    )
    return False


def mail_deliver_inline(*, payload: dict, kind: str) -> bool:
    """Without Redis (jobs inline): one attempt, after the request's commit, that never raises
    into the request. Not through Celery's eager mode, which would log the message; not
    retried, as a retry would hold the web request (the customer can ask for the mail again)."""
    try:
        mail_send_payload(payload=payload)
    except Exception as exc:
        return mail_gave_up(payload, kind, 1, exc)
    return True


def mail_enqueue(*, message: EmailMessage, kind: str) -> None:
    """Sends `message` from a job once the surrounding transaction commits, so a mail server
    outage neither fails the request nor rolls back what it saved (a new account). The job
    retries with backoff (apps/core/tasks.py). Addresses in the reserved .invalid domain (RFC 2606;
    agent accounts have one) are dropped: nothing can be delivered there."""
    message.to = [address for address in message.to if not address.lower().endswith(".invalid")]
    if not message.to:
        return
    payload = mail_payload(message_headers_clean(message))

    def enqueue() -> None:
        mail_deliver = job_task(MAIL_DELIVER_JOB)
        if mail_deliver.app.conf.task_always_eager:
            mail_deliver_inline(payload=payload, kind=kind)
            return
        try:
            mail_deliver.apply_async(kwargs={"payload": payload, "kind": kind}, kwargsrepr=masked_mail_repr(kind))
        except Exception as exc:
            # A broker outage: the caller's work is committed and its answer must stand.
            logger.error("could not queue the %s email to %s: %s", kind, ", ".join(message.to), type(exc).__name__)

    transaction.on_commit(enqueue, robust=True)
