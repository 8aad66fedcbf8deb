"""Bank payments the matcher could not place: link one to a subscription, or set it aside.

What finance does in the site's payment admin, as one step each:
- ``unmatched()``: credits in state new or manual that pay no subscription yet
  (debits are irrelevant by the site's rule; a payment already set aside as
  to reimburse is finance's, not the matcher's).
- ``link(payment_id, usi)``: the admin's subscription-payment inline, then its
  "check balance" and the processor's last steps: a SubscriptionPayment of
  ``min(what the subscription still owes, what is left of the payment)``, the
  payment's type ``subscription_payment``; nothing left → ``matched`` (then
  ``processed``), something left → ``manual`` with that much to reimburse; a
  confirmed subscription that owes nothing more becomes payed (online), and gets
  the site's payment-received mail (the site's ``mark_as_paid(online)``).
- ``mark(payment_id, "irrelevant" | "to_reimburse")``: the admin's "mark as
  irrelevant" (processed, irrelevant), or to reimburse (type
  ``subscription_payment_to_reimburse``, the unbooked amount to reimburse, left
  manual for finance to pay back).

Each is one transaction with its audit entry; read-only mode refuses it before
anything is read; the refusals name the reason and write nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from peewee import fn

from tqconsole.errors import InvalidInput, NotFound
from tqconsole.models import Payment, Subscribe, SubscriptionPayment
from tqconsole.models.choices import (
    CreditDebit,
    PaymentMethod,
    PaymentState,
    PaymentType,
    SubscribeState,
)
from tqconsole.services.courses import people, subscriptions
from tqconsole.services.db.audit import audited
from tqconsole.services.db.records import locked
from tqconsole.services.payments import amounts
from tqconsole.services.payments import matching as payment_matching

MARKS = {
    "irrelevant": "irrelevant (processed, no subscription)",
    "to_reimburse": "to reimburse (the money goes back)",
}
SET_ASIDE = (PaymentType.IRRELEVANT, PaymentType.SUBSCRIPTION_PAYMENT_TO_REIMBURSE)


@dataclass
class UnmatchedPayment:
    id: int
    date: str
    amount: Decimal
    name: str
    remittance: str
    state: str
    type: str

    def as_dict(self) -> dict:
        return {**vars(self), "amount": str(self.amount)}


@dataclass
class LinkOutcome:
    payment_id: int
    usi: str
    amount: Decimal  # booked on the subscription
    payment_state: str
    to_reimburse: Decimal
    subscription_state: str
    mail: str = ""
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"payment #{self.payment_id}: CHF {self.amount} booked on {self.usi} "
            f"(now {self.subscription_state}); payment {self.payment_state}"
        )
        if self.to_reimburse:
            text += f", CHF {self.to_reimburse} to reimburse"
        return text + f"; {self.mail}" if self.mail else text

    def as_dict(self) -> dict:
        return {
            **vars(self),
            "amount": str(self.amount),
            "to_reimburse": str(self.to_reimburse),
        }


def unmatched(limit: int = 500) -> list[UnmatchedPayment]:
    linked = SubscriptionPayment.select(SubscriptionPayment.payment)
    query = (
        Payment.select()
        .where(
            Payment.state.in_(PaymentState.UNMATCHED)
            & (Payment.credit_debit != CreditDebit.DEBIT)
            & Payment.type.not_in(SET_ASIDE)
            & Payment.id.not_in(linked)
        )
        .order_by(Payment.date.desc(), Payment.id.desc())
        .limit(limit)
    )
    return [
        UnmatchedPayment(
            id=p.id,
            date=p.date.strftime("%Y-%m-%d") if p.date else "",
            amount=amounts.money(p.amount),
            name=p.name or "",
            remittance=p.remittance_user_string or "",
            state=p.state,
            type=p.type,
        )
        for p in query
    ]


def candidates(text: str, limit: int = 20) -> list[tuple[str, str, str]]:
    """Confirmed subscriptions a payment can pay, by USI or by the participant's name or
    email (every word): (USI, "name — course title", "state, open CHF x") for the picker."""
    from tqconsole.models import Course, CourseType, User

    title = CourseType.translated["title"]
    query = (
        Subscribe.select(
            Subscribe, User.first_name, User.last_name, User.email, title.alias("title")
        )
        .join(User, on=(Subscribe.user == User.id))
        .switch(Subscribe)
        .join(Course, on=(Subscribe.course == Course.id))
        .join(CourseType, on=(Course.type == CourseType.id))
        .where(Subscribe.state == SubscribeState.CONFIRMED)
        .order_by(User.last_name, User.first_name, Subscribe.id)
        .limit(limit)
    )
    usi = people.usi_in(text)
    if usi is not None:
        query = query.where(fn.UPPER(Subscribe.usi) == usi)
    else:
        for word in text.split():
            pattern = f"%{word.lower()}%"
            query = query.where(
                (fn.LOWER(User.first_name) ** pattern)
                | (fn.LOWER(User.last_name) ** pattern)
                | (fn.LOWER(User.email) ** pattern)
            )
    subs = list(query.objects())
    opens = amounts.open_amounts(subs)
    return [
        (
            s.usi,
            f"{people.full_name(s.first_name, s.last_name)} — {s.title}",
            f"{s.state}, open CHF {opens[s.id]}",
        )
        for s in subs
    ]


def search_hint(payment_id: int) -> str:
    """What the picker starts with: the first USI of the remittance text, else the payer."""
    payment = Payment.get_or_none(Payment.id == payment_id)
    if payment is None:
        return ""
    found = payment_matching.usis_in(payment.remittance_user_string)
    return found[0] if found else (payment.name or "")


def booked(payment_id: int) -> Decimal:
    return amounts.money(
        SubscriptionPayment.select(fn.SUM(SubscriptionPayment.amount))
        .where(SubscriptionPayment.payment == payment_id)
        .scalar()
    )


def open_payment(payment_id: int, debit_refusal: str = "") -> Payment:
    """The payment, locked, if it is still new or manual (and, with ``debit_refusal``,
    a credit); else the reason."""
    payment = locked(Payment.select().where(Payment.id == payment_id)).get_or_none()
    if payment is None:
        raise NotFound(f"no payment {payment_id}")
    if payment.state not in PaymentState.UNMATCHED:
        raise InvalidInput(
            f"payment #{payment_id} is {payment.state}; only new or manual payments can be "
            "linked or set aside"
        )
    if debit_refusal and payment.credit_debit == CreditDebit.DEBIT:
        raise InvalidInput(f"payment #{payment_id} is a debit: {debit_refusal}")
    return payment


def link(payment_id: int, usi: str, user: str | None = None, mail=None) -> LinkOutcome:
    """Book the payment on the subscription of ``usi`` as the site's payment admin does."""
    people.refuse_read_only("linking a payment")
    with audited("payment.link", Payment._meta.table_name, payment_id) as write:
        payment = open_payment(payment_id, "money out pays no subscription")
        sub = subscriptions.find_by_usi(usi)
        sub = locked(Subscribe.select().where(Subscribe.id == sub.id)).get()
        if sub.state != SubscribeState.CONFIRMED:
            raise InvalidInput(
                f"{sub.usi} is {sub.state}; a bank payment pays only a confirmed subscription "
                "(mark the payment to reimburse instead)"
            )
        already = SubscriptionPayment.select().where(
            (SubscriptionPayment.payment == payment.id)
            & (SubscriptionPayment.subscription == sub.id)
        )
        if already.exists():
            raise InvalidInput(f"payment #{payment.id} is already booked on {sub.usi}")
        owed = amounts.open_amount(sub)
        left = amounts.money(payment.amount) - booked(payment.id)
        if owed <= 0:
            raise InvalidInput(f"{sub.usi} owes nothing (open amount CHF 0.00)")
        if left <= 0:
            raise InvalidInput(f"nothing of payment #{payment.id} is left to book")
        share = min(owed, left)
        SubscriptionPayment.create(payment=payment.id, subscription=sub.id, amount=share)
        payment.type = PaymentType.SUBSCRIPTION_PAYMENT
        payment.save()
        payment_matching.check_balance(payment)
        paid = amounts.open_amount(sub) == 0 and subscriptions.mark_paid(
            sub, PaymentMethod.ONLINE, user
        )
        if payment.state == PaymentState.MATCHED:
            payment.state = PaymentState.PROCESSED
            payment.save()
        outcome = LinkOutcome(
            payment_id=payment.id,
            usi=sub.usi,
            amount=share,
            payment_state=payment.state,
            to_reimburse=amounts.money(payment.amount_to_reimburse)
            if payment.state == PaymentState.MANUAL
            else Decimal("0.00"),
            subscription_state=sub.state,
        )
        write.summary = {"usi": sub.usi, "amount": str(share), "state": payment.state}
    if paid and mail is not None:
        from tqconsole.services.mail.workflows import mail_state_changes

        fine, text = mail_state_changes([sub.id], mail).get(sub.id, (True, ""))
        outcome.mail = text or "no mail queued"
        if not fine:
            outcome.warnings.append(f"{sub.usi}: {text}")
    elif not paid:
        outcome.mail = "no mail (the subscription still owes money)"
    return outcome


def mark(payment_id: int, how: str) -> Payment:
    """Set an unplaceable payment aside: ``irrelevant`` or ``to_reimburse``."""
    if how not in MARKS:
        raise InvalidInput(f"unknown mark {how!r} ({', '.join(MARKS)})")
    people.refuse_read_only("marking a payment")
    with audited(f"payment.{how}", Payment._meta.table_name, payment_id) as write:
        payment = open_payment(
            payment_id, "nothing came in to reimburse" if how == "to_reimburse" else ""
        )
        if how == "irrelevant":
            payment.state, payment.type = PaymentState.PROCESSED, PaymentType.IRRELEVANT
        else:
            if payment.credit_debit == CreditDebit.DEBIT:
                raise InvalidInput(
                    f"payment #{payment_id} is a debit: nothing came in to reimburse"
                )
            left = amounts.money(payment.amount) - booked(payment.id)
            if left <= 0:
                raise InvalidInput(f"payment #{payment_id} is booked in full: nothing to reimburse")
            payment.state = PaymentState.MANUAL
            payment.type = PaymentType.SUBSCRIPTION_PAYMENT_TO_REIMBURSE
            payment.amount_to_reimburse = left
        payment.save()
        write.summary = {"state": payment.state, "type": payment.type}
    return payment
