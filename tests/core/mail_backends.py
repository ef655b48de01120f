"""A mail backend for tests whose server can be switched off: while `down` (or for the next
`fail_next` sends), every send fails the way smtplib does when the server is unreachable;
otherwise mail lands in mail.outbox."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend


class SwitchableSmtpBackend(EmailBackend):
    down = False
    fail_next = 0
    failures = 0

    def send_messages(self, messages):
        cls = SwitchableSmtpBackend
        if cls.down or cls.fail_next > 0:
            cls.fail_next = max(cls.fail_next - 1, 0)
            cls.failures += 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)
