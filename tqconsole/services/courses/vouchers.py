"""Redeeming a voucher on a subscription, as the site's ``Voucher.apply_to`` does.

The voucher's value becomes a price reduction ("Applied voucher KEY") of at
most the open amount; what is left over becomes a new voucher of the same
purpose and expiry for the user who redeemed it, and the voucher is marked used
for the subscription ("Marked as used. Used to pay subscription USI.").  A
subscription left with nothing open is paid by voucher.  One transaction; the
remainder, the payment and the use are each a revision, as the site writes
them.  A used or expired voucher is refused (nothing written).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tqconsole.errors import InvalidInput, NotFound
from tqconsole.models import PriceReduction, Subscribe, User, Voucher
from tqconsole.models.choices import PaymentMethod, SubscribeState
from tqconsole.models.courses import USI_ALPHABET
from tqconsole.services.db import reversion_history
from tqconsole.services.db.audit import audited
from tqconsole.services.db.records import locked
from tqconsole.services.payments.amounts import computed_price, open_amount


@dataclass
class Redeemed:
    usi: str
    key: str
    reduction: Decimal
    paid: bool
    remainder: Voucher | None

    def summary(self) -> str:
        text = f"voucher {self.key}: CHF {self.reduction:.2f} off {self.usi}"
        if self.paid:
            text += ", now paid"
        if self.remainder is not None:
            text += f"; the rest (CHF {self.remainder.amount}) is voucher {self.remainder.key}"
        return text


def new_key() -> str:
    while True:
        key = "".join(secrets.choice(USI_ALPHABET) for _ in range(6))
        if not Voucher.select().where(Voucher.key == key).exists():
            return key


def redeem(key: str, usi: str, user: str | None = None, today: date | None = None) -> Redeemed:
    """Apply voucher ``key`` to the subscription ``usi`` (``user``: who redeems it)."""
    from tqconsole.services.courses.subscriptions import find_by_usi, mark_paid

    today = today or date.today()
    sub_id = find_by_usi(usi).id
    with audited("voucher.redeem", Voucher._meta.table_name, key.strip().upper()):
        voucher = locked(Voucher.select().where(Voucher.key == key.strip().upper())).get_or_none()
        if voucher is None:
            raise NotFound(f"no voucher {key.strip().upper()}")
        if voucher.used:
            raise InvalidInput(f"voucher {voucher.key} was used already")
        if voucher.expires is not None and voucher.expires < today:
            raise InvalidInput(f"voucher {voucher.key} expired on {voucher.expires}")
        sub = locked(Subscribe.select().where(Subscribe.id == sub_id)).get()
        if sub.state in SubscribeState.PAID:
            raise InvalidInput(f"{sub.usi} is {sub.state}: nothing left to pay")
        if sub.price_to_pay is None:
            sub.price_to_pay = computed_price(sub)
            sub.save(only=[Subscribe.price_to_pay])
        reduction = Decimal(voucher.amount or 0)
        before = open_amount(sub)
        remainder = None
        if before < reduction:
            remainder = Voucher.create(
                key=new_key(),
                amount=int(reduction - before),
                purpose=voucher.purpose_id,
                expires=voucher.expires,
                issued=today,
                sent_to=User.get_or_none(User.username == user) if user else None,
                comment=(
                    "Automatically generated due to remaining value after applying voucher"
                    f" {voucher.key} for {reversion_history.subscribe_repr(sub)}"
                ),
            )
            with reversion_history.revision(user) as revision:
                revision.add(remainder, remainder.comment)
            reduction = before
        if reduction > 0:
            PriceReduction.create(
                subscription=sub.id,
                amount=reduction,
                used_voucher=voucher.id,
                comment=f"Applied voucher {voucher.key}",
            )
        paid = open_amount(sub).is_zero() and mark_paid(sub, PaymentMethod.VOUCHER, user)
        voucher.used, voucher.subscription = True, sub.id
        voucher.save(only=[Voucher.used, Voucher.subscription])
        with reversion_history.revision(user) as revision:
            revision.add(voucher, f"Marked as used. Used to pay subscription {sub.usi}.")
    return Redeemed(sub.usi, voucher.key, reduction, bool(paid), remainder)
