"""Notifications: inbox rows at once; deliveries over channels in business hours."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from domain.clock.business import BusinessCalendar, next_business_hour
from domain.notifications import repository
from domain.notifications.channels import Channel, Outgoing
from domain.notifications.messages import Message
from domain.notifications.models import Delivery, DeliveryStatus, Notification
from domain.uow import UnitOfWork
from domain.users.models import User
from domain.users.principal import Principal

DELIVER_JOB = "notifications.deliver"
MAX_ATTEMPTS = 8


async def notify(uow: UnitOfWork, people: Sequence[User], kind: str, key: str, message: Message,
                 now: datetime, calendar: BusinessCalendar, channels: Sequence[str] = ("EMAIL",), *,
                 case_id: uuid.UUID | None = None, referral_id: uuid.UUID | None = None) -> int:
    """Put a message in each person's inbox, once per person and `key` (all in one statement);
    queue its e-mail for the next business hour to those with an address. The number of
    inbox entries this call created."""
    session = uow.session
    unique = {user.id: user for user in people}
    ids = {user_id: uuid.uuid4() for user_id in unique}
    created = await repository.add_each_once(session, [{
        "id": notification_id, "user_id": user_id, "key": key[:160], "kind": kind,
        "case_id": case_id, "referral_id": referral_id, "subject": message.subject[:300],
        "body_th": message.body_th, "body_en": message.body_en, "created_at": now,
    } for user_id, notification_id in ids.items()])
    send_at = next_business_hour(now, calendar)
    for user in unique.values():
        if user.id not in created:
            continue
        for channel in channels:
            address = user.email if channel == "EMAIL" else None
            if not address:
                continue
            delivery = Delivery(notification_id=ids[user.id], channel=channel, address=address,
                                not_before=send_at)
            session.add(delivery)
            if send_at <= now:
                uow.enqueue(DELIVER_JOB, delivery_id=str(delivery.id))
    return len(created)


async def deliver(uow: UnitOfWork, delivery_id: uuid.UUID, now: datetime,
                  channels: dict[str, Channel]) -> bool:
    """Send one delivery if it is still pending and due; True when it was sent now.

    Safe to run twice: a sent delivery is not sent again. A failure is recorded and retried
    later with a growing delay, up to MAX_ATTEMPTS.
    """
    session = uow.session
    delivery = await repository.lock_delivery(session, delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.PENDING or delivery.not_before > now:
        return False
    channel = channels.get(delivery.channel)
    if channel is None:  # not configured (no KHORTOR_SMTP_HOST): the inbox entry is all there is
        delivery.status, delivery.last_error = DeliveryStatus.FAILED, "NO_CHANNEL"
        return False
    notification = await session.get(Notification, delivery.notification_id)
    user = await session.get(User, notification.user_id) if notification else None
    if notification is None or user is None:
        delivery.status = DeliveryStatus.FAILED
        return False
    delivery.attempts += 1
    try:
        await channel.send(Outgoing(delivery_id=str(delivery.id), address=delivery.address,
                                    display_name=user.display_name, subject=notification.subject,
                                    body_th=notification.body_th, body_en=notification.body_en))
    except Exception as error:  # the channel is outside: any failure is retried later
        delivery.last_error = f"{type(error).__name__}"[:300]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.not_before = now + timedelta(minutes=2 ** delivery.attempts)
        return False
    delivery.status, delivery.sent_at, delivery.last_error = DeliveryStatus.SENT, now, None
    return True


async def mark_read(uow: UnitOfWork, principal: Principal, ids: Sequence[uuid.UUID],
                    now: datetime) -> int:
    """Mark the principal's own notifications read; others' ids are ignored."""
    if not ids:
        return 0
    return await repository.mark_read(uow.session, principal, ids, now)
