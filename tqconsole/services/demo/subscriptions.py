"""Subscriptions in every state, with confirmations, rejections, reminders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from tqconsole.models import Confirmation, PaymentReminder, Rejection, Subscribe
from tqconsole.models.choices import MatchingState, RejectionReason, SubscribeState
from tqconsole.models.courses import USI_ALPHABET
from tqconsole.services.demo.words import LEAD_FOLLOW, PAID_METHODS, STATE_WEIGHTS, weighted

if TYPE_CHECKING:
    from tqconsole.services.demo.builder import DemoBuilder


def usi_generator(builder: DemoBuilder) -> Callable[[], str]:
    taken = {u for (u,) in Subscribe.select(Subscribe.usi).tuples()}
    rng = builder.rng

    def new_usi() -> str:
        while True:
            usi = "".join(rng.choice(USI_ALPHABET) for _ in range(6))
            if usi not in taken:
                taken.add(usi)
                return usi

    return new_usi


def add_subscriptions(builder: DemoBuilder) -> None:
    rng = builder.rng
    n = 6000 * builder.scale
    ids = builder.ids(Subscribe, n)
    new_usi = usi_generator(builder)
    pairs: set[tuple[int, int]] = set(Subscribe.select(Subscribe.user, Subscribe.course).tuples())
    rows, confirmations, rejections, reminders = [], [], [], []
    builder.subs: list[tuple[int, int, str, float, str]] = []  # id, user, state, price, usi
    for sid in ids:
        while True:
            uid, cid = rng.choice(builder.user_ids), rng.choice(builder.course_ids)
            if (uid, cid) not in pairs:
                pairs.add((uid, cid))
                break
        pid = builder.course_period[cid]
        tense = builder.period_tense[pid]
        state = weighted(rng, STATE_WEIGHTS[tense])
        legi_price, full_price = builder.course_price[cid]
        price = legi_price if builder.legi[uid] else full_price
        if price == 0 and state in (SubscribeState.CONFIRMED, SubscribeState.PAYED):
            state = SubscribeState.COMPLETED
        start = builder.period_start[pid]
        made = datetime.combine(start, time(12)) - timedelta(minutes=rng.randrange(30 * 24 * 60))
        # never in the future: next semester's subscriptions are made by today
        made = min(made, datetime.combine(builder.today, time(8)) - timedelta(minutes=sid % 5000))
        usi = new_usi()
        paid = state in SubscribeState.PAID and price > 0
        rows.append(
            {
                "id": sid,
                "user": uid,
                "course": cid,
                "date": made,
                "partner": None,
                "matching_state": rng.choice(
                    (
                        MatchingState.MATCHED,
                        MatchingState.TO_MATCH,
                        MatchingState.NOT_REQUIRED,
                        MatchingState.COUPLE,
                    )
                ),
                "experience": rng.choice((None, "Anfängerin", "2 Jahre", "Kurs 1 besucht")),
                "comment": rng.choice((None, None, None, "Komme mit Partner", "Bitte Abendkurs")),
                "state": state,
                "usi": usi,
                "price_to_pay": Decimal(str(price)),
                "paymentmethod": weighted(rng, PAID_METHODS) if paid else None,
                "lead_follow": rng.choice(LEAD_FOLLOW),
                "personal_data_sharing": rng.random() < 0.7,
            }
        )
        builder.subs.append((sid, uid, state, price, usi))
        if state in SubscribeState.ACCEPTED or state == SubscribeState.TO_REIMBURSE:
            confirmations.append({"subscription": sid, "date": (made + timedelta(days=3)).date()})
        if state in (SubscribeState.REJECTED, SubscribeState.TO_REIMBURSE):
            reason = (
                RejectionReason.COURSE_CANCELLED
                if state == SubscribeState.TO_REIMBURSE
                else weighted(
                    rng,
                    {
                        RejectionReason.OVERBOOKED: 50,
                        RejectionReason.NO_PARTNER: 20,
                        RejectionReason.USER_CANCELLED: 15,
                        RejectionReason.REQUIREMENTS_NOT_MET: 10,
                        RejectionReason.UNKNOWN: 5,
                    },
                )
            )
            rejections.append(
                {
                    "subscription": sid,
                    "date": (made + timedelta(days=4)).date(),
                    "reason": reason,
                    "mail_sent": True,
                }
            )
        due = datetime.combine(start, time(8)) + timedelta(days=14)
        if (
            state == SubscribeState.CONFIRMED
            and price > 0
            and due < datetime.combine(builder.today, time(0))
        ):
            reminders.append(
                {"subscription": sid, "date": (due + timedelta(days=rng.randrange(3))).date()}
            )
    builder.insert(Subscribe, rows, ids_given=True)
    builder.insert(Confirmation, confirmations)
    builder.insert(Rejection, rejections)
    builder.insert(PaymentReminder, reminders)
