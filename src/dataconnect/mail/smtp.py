"""Hand a message to an SMTP server: plain, STARTTLS or SSL, with or without login."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

TIMEOUT = 20.0


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int
    security: str = "none"  # none | starttls | ssl
    user: str | None = None
    password: str | None = None

    def send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if self.security == "ssl":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT)
        with client:
            if self.security == "starttls":
                client.starttls(context=context)
            if self.user:
                client.login(self.user, self.password or "")
            client.send_message(message)
