"""Channels deliver a notification outside the app. The seam where SMS or LINE plug in:
a channel has a name, says which address of a user it uses, and sends one message."""

from __future__ import annotations

import asyncio
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from domain.users.models import User


@dataclass(frozen=True)
class Outgoing:
    delivery_id: str
    address: str
    display_name: str
    subject: str
    body_th: str
    body_en: str


class Channel(Protocol):
    name: str

    def address_of(self, user: User) -> str | None: ...

    async def send(self, message: Outgoing) -> None: ...


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "khortor@localhost"
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 20.0


class SmtpChannel:
    """E-mail over SMTP. The Message-ID is derived from the delivery, so a message sent
    twice (a worker died between sending and recording it) can be recognised as one."""

    name = "EMAIL"

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def address_of(self, user: User) -> str | None:
        return user.email or None

    def compose(self, message: Outgoing) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.settings.sender
        email["To"] = message.address
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=False)
        domain = self.settings.sender.rsplit("@", 1)[-1] or "khortor"
        email["Message-ID"] = f"<{message.delivery_id}@{domain}>"
        email.set_content(f"{message.body_th}\n\n{message.body_en}\n\n-- \nKhortor (ข้อต่อ)\n",
                          charset="utf-8")
        return email

    async def send(self, message: Outgoing) -> None:
        await asyncio.to_thread(self._send, self.compose(message))

    def _send(self, email: EmailMessage) -> None:
        s = self.settings
        with smtplib.SMTP(s.host, s.port, timeout=s.timeout) as smtp:
            if s.starttls:
                smtp.starttls()
            if s.user:
                smtp.login(s.user, s.password or "")
            smtp.send_message(email)


__all__ = ["Channel", "Outgoing", "SmtpChannel", "SmtpSettings", "make_msgid"]
