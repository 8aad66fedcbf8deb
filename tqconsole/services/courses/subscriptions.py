"""Staff actions on subscriptions, used by the model browser and ``tqconsole subs``.

The rules are the site's (courses/services/courses/subscriptions.py, its SubscribeAdmin
actions and ``Subscribe.mark_as_paid``), with its refusals:
- confirm: only new; in a couple course only with a partner (unless singles are
  allowed).  The price is generated again; nothing to pay → completed, else
  confirmed; a Confirmation row when the participant is mailed.
- admit: waiting list → new (no mail).  unconfirm: confirmed → new.
  unreject: rejected → new, or waiting list when the course is full.
- waiting_list: only new, and a couple only together with its partner.
- reject(reason): payed (or to_reimburse) → to_reimburse, else rejected; the partner's
  link is removed on both sides (to_rematch); a Rejection row; the course's
  waiting list moves up; mailed unless a rejection mail was sent before.
- paid_counter: only confirmed → payed by counter, with the staff user.
- delete: only new, and never one with payments or a voucher applied.

Every subscription the site saves gets its save rules (matching state derived
from the partner, price generated when empty) and a version in the action's one
revision (``reversion_history``).  The whole action is one transaction; a
subscription refused is skipped with the site's reason and writes nothing.

Mail: given the ``mail`` connection (the mail backend of the caller's settings),
confirm, admit, reject and waiting list queue the participant's mail of the new
state and deliver it at once; the Outcome says per subscription whether it was
sent, refused or failed (``mail``), and every refused or failed one is also in
``warnings``.  Without a connection nothing is mailed.

Hook point: ``AFTER_STATE_CHANGE`` is a list of callables ``hook(subscription,
action, details)`` run after the change is committed (details: the old state,
the new state, the reason of a rejection, ``mail`` False when the site sends
none).  A failing hook never undoes the change; its error is reported in the
Outcome's ``warnings``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from tqconsole.errors import InvalidInput, NotFound
from tqconsole.models import (
    Confirmation,
    PaymentReminder,
    PriceReduction,
    Rejection,
    Subscribe,
    SubscriptionPayment,
    UserProfile,
    Voucher,
)
from tqconsole.models.choices import (
    LeadFollow,
    MatchingState,
    PaymentMethod,
    RejectionReason,
    SubscribeState,
)
from tqconsole.models.courses import USI_ALPHABET
from tqconsole.services.courses.subscription_model import (
    REJECTED,
    TO_MATCH,
    Context,
    Places,
    couple_course,
    is_matched,
    mailable,
    partner_subscription,
    save,
    update_waiting_list,
)
from tqconsole.services.db import reversion_history
from tqconsole.services.db.audit import audited
from tqconsole.services.db.records import locked
from tqconsole.services.mail.workflows import MAILED_ACTIONS, deliver_notes, queue_mails
from tqconsole.services.payments.amounts import computed_price

AFTER_STATE_CHANGE: list[Callable[[Subscribe, str, dict], None]] = []

ACTIONS = {
    "confirm": "Confirm",
    "admit": "Admit from waiting list",
    "reject": "Reject",
    "waiting_list": "Move to waiting list",
    "paid_counter": "Mark paid at the counter",
    "paid_online": "Mark paid online",
    "match": "Match partners",
    "unconfirm": "Unconfirm",
    "unreject": "Unreject",
    "delete": "Delete",
}


@dataclass
class Outcome:
    action: str
    done: list[Subscribe] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (usi, why)
    warnings: list[str] = field(default_factory=list)
    mail: dict[str, str] = field(default_factory=dict)  # usi -> what happened to its mail
    mail_failed: int = 0

    def summary(self) -> str:
        text = f"{ACTIONS[self.action].lower()}: {len(self.done)} done"
        if self.skipped:
            usi, why = self.skipped[0]
            more = f" (+{len(self.skipped) - 1} more)" if len(self.skipped) > 1 else ""
            text += f", {len(self.skipped)} skipped — {usi}: {why}{more}"
        if self.mail_failed:
            text += f"; {self.mail_failed} mail(s) NOT sent"
        elif self.mail:
            text += "; mail sent"
        return text


# --- the actions
def confirm_rule(sub: Subscribe, ctx: Context) -> str:
    allow_singles = ctx.details.get("allow_singles", False)
    if not allow_singles and sub.partner_id is None and couple_course(sub.course_id):
        raise InvalidInput(
            "This subscription has no partner set (couple course; confirm with singles allowed)"
        )
    if sub.state != SubscribeState.NEW:
        raise InvalidInput(f"is {sub.state}; only new subscriptions can be confirmed")
    sub.price_to_pay = computed_price(sub)
    sub.state = SubscribeState.COMPLETED if not sub.price_to_pay else SubscribeState.CONFIRMED
    save(sub, ctx, f"Updated state to {sub.state}")
    if mailable(sub):
        Confirmation.insert(subscription=sub.id, date=date.today()).execute()
    else:
        ctx.changes["mail"] = False
    return sub.state


def admit_rule(sub: Subscribe, ctx: Context) -> str:
    if sub.state != SubscribeState.WAITING_LIST:
        raise InvalidInput("is not on the waiting list")
    sub.state = SubscribeState.NEW
    save(sub, ctx, "Subscription admitted from the waiting list")
    ctx.changes["mail"] = False
    return sub.state


def unconfirm_rule(sub: Subscribe, ctx: Context) -> str:
    if sub.state != SubscribeState.CONFIRMED:
        raise InvalidInput(f"is {sub.state}; only confirmed subscriptions can be unconfirmed")
    sub.state = SubscribeState.NEW
    save(sub, ctx, "Subscription unconfirmed")
    return sub.state


def unreject_rule(sub: Subscribe, ctx: Context) -> str:
    if sub.state != SubscribeState.REJECTED:
        raise InvalidInput(f"is {sub.state}; only rejected subscriptions can be unrejected")
    sub.state = Places(sub.course_id).state_for(sub)
    save(sub, ctx, "Subscription unrejected")
    return sub.state


def waiting_list_rule(sub: Subscribe, ctx: Context) -> str:
    partner = partner_subscription(sub) if is_matched(sub) else None
    if is_matched(sub) and (partner is None or partner.id not in ctx.ids):
        raise InvalidInput("the subscription of the partner was not selected too")
    if sub.state != SubscribeState.NEW:
        raise InvalidInput(f"is not in state {SubscribeState.NEW}")
    sub.state = SubscribeState.WAITING_LIST
    save(sub, ctx, "Subscription moved to the waiting list")
    return sub.state


def check_reason(reason: str | None) -> str | None:
    if reason is not None and reason not in RejectionReason.values():
        raise InvalidInput(f"unknown reason {reason!r} ({', '.join(RejectionReason.values())})")
    return reason


def detect_rejection_reason(sub: Subscribe) -> str:
    """The reason when none is given: overbooked when no place is free, no partner in a
    couple course, else unknown (what the site's ``detect_rejection_reason`` means)."""
    if Places(sub.course_id).free() == 0:
        return RejectionReason.OVERBOOKED
    if sub.partner_id is None and couple_course(sub.course_id):
        return RejectionReason.NO_PARTNER
    return RejectionReason.UNKNOWN


def reject_rule(sub: Subscribe, ctx: Context) -> str:
    reason = check_reason(ctx.details.get("reason"))
    if sub.partner_id is not None:
        partner = partner_subscription(sub)
        if partner is not None:
            partner.partner = None
            partner.matching_state = MatchingState.TO_REMATCH
            save(partner, ctx)
        sub.partner = None
        sub.matching_state = MatchingState.TO_REMATCH
    # money came in: payed, or a to_reimburse rejected again (the site would forget it)
    paid = sub.state in (SubscribeState.PAYED, SubscribeState.TO_REIMBURSE)
    sub.state = SubscribeState.TO_REIMBURSE if paid else SubscribeState.REJECTED
    save(sub, ctx)
    reason = reason or detect_rejection_reason(sub)
    ctx.revision.comment = f"Subscription rejected with reason {reason}"
    mailed_before = (
        Rejection.select()
        .where((Rejection.subscription == sub.id) & (Rejection.mail_sent == True))  # noqa: E712
        .exists()
    )
    mail = ctx.details.get("notify", True) and not mailed_before and mailable(sub)
    Rejection.insert(
        subscription=sub.id, date=date.today(), reason=reason, mail_sent=mail
    ).execute()
    update_waiting_list(sub.course_id, ctx)
    ctx.changes.update(reason=reason, mail=mail)
    return sub.state


def paid_with(method: str) -> Callable[[Subscribe, Context], str]:
    """The site's ``mark_as_paid(method)`` as an action: only a confirmed one becomes payed
    (online: its payment-received mail follows)."""

    def rule(sub: Subscribe, ctx: Context) -> str:
        if sub.state != SubscribeState.CONFIRMED:
            raise InvalidInput(f"is {sub.state}; only confirmed (unpaid) subscriptions can be paid")
        sub.state, sub.paymentmethod = SubscribeState.PAYED, method
        save(sub, ctx, f"Paid using payment method {method}")
        return sub.state

    return rule


def pairs_of_course(course_id: int, ctx: Context) -> dict[int, tuple[Subscribe, Subscribe]]:
    """The site's ``_match_for_course`` over the selection: subscription id → its pair, for
    the pairs it forms (the larger role first, no preference filling up the smaller)."""
    subs = list(
        Subscribe.select()
        .where(
            Subscribe.id.in_(ctx.ids)
            & (Subscribe.course == course_id)
            & Subscribe.state.not_in(REJECTED)
            & Subscribe.matching_state.in_(TO_MATCH)
        )
        .order_by(Subscribe.date)
    )
    waiting = [s for s in subs if s.state == SubscribeState.WAITING_LIST]
    if waiting and len(waiting) < len(subs):
        raise InvalidInput("subscriptions both admitted and on the waiting list were selected")

    def split(items):
        lead = [s for s in items if s.lead_follow == LeadFollow.LEAD]
        follow = [s for s in items if s.lead_follow == LeadFollow.FOLLOW]
        free = [s for s in items if s.lead_follow == LeadFollow.NO_PREFERENCE]
        return (lead, follow, free) if len(lead) >= len(follow) else (follow, lead, free)

    a, b, free = split(subs)
    if len(a) >= len(b) + len(free):
        a, b = a[: len(b) + len(free)], b + free
    else:
        if len(subs) % 2:
            a, b, free = split(subs[:-1])
        to_a = (len(free) - (len(a) - len(b))) // 2
        a, b = a + free[:to_a], b + free[to_a:]
    heights = {
        p.user_id: p.body_height
        for p in UserProfile.select().where(UserProfile.user.in_([s.user_id for s in subs]))
    }

    def height(s):
        return heights.get(s.user_id) or 250  # unknown heights last, as the site sorts

    pairs = {}
    for x, y in zip(sorted(a, key=height), sorted(b, key=height), strict=True):
        pairs[x.id] = pairs[y.id] = (x, y)
    return pairs


def match_rule(sub: Subscribe, ctx: Context) -> str:
    """The site's "Match partners": singles of one course paired among the selection."""
    pairs = ctx.details.setdefault("_pairs", {})
    if sub.course_id not in pairs:
        pairs[sub.course_id] = pairs_of_course(sub.course_id, ctx)
    pair = pairs[sub.course_id].get(sub.id)
    if pair is None:
        raise InvalidInput("no partner for it among the selected singles of its course")
    if sub.partner_id is None:  # the first of the pair saves both, as the site does
        first, second = pair
        for one, other in (pair, (second, first)):
            one.partner, one.matching_state = other.user_id, MatchingState.MATCHED
            save(one, ctx)
        ctx.revision.comment = (
            f"Matched subscriptions {reversion_history.subscribe_repr(first)}"
            f" and {reversion_history.subscribe_repr(second)}"
        )
    return sub.state


def delete_rule(sub: Subscribe, ctx: Context) -> str:
    if sub.state != SubscribeState.NEW:
        raise InvalidInput("Cannot delete non-NEW subscription.")
    if SubscriptionPayment.select().where(SubscriptionPayment.subscription == sub.id).exists():
        raise InvalidInput("has payments; they must stay (reimburse instead)")
    voucher_used = PriceReduction.used_voucher.is_null(False)
    if (
        PriceReduction.select(PriceReduction.id).where(
            (PriceReduction.subscription == sub.id) & voucher_used
        )
        | Voucher.select(Voucher.id).where(Voucher.subscription == sub.id)
    ).exists():
        raise InvalidInput("a voucher was applied to it; vouchers are protected")
    for model in (Confirmation, Rejection, PaymentReminder, PriceReduction):
        model.delete().where(model.subscription == sub.id).execute()
    Subscribe.delete().where(Subscribe.id == sub.id).execute()
    return "deleted"


RULES: dict[str, Callable[[Subscribe, Context], str]] = {
    "confirm": confirm_rule,
    "admit": admit_rule,
    "reject": reject_rule,
    "waiting_list": waiting_list_rule,
    "paid_counter": paid_with(PaymentMethod.COUNTER),
    "paid_online": paid_with(PaymentMethod.ONLINE),
    "match": match_rule,
    "unconfirm": unconfirm_rule,
    "unreject": unreject_rule,
    "delete": delete_rule,
}


def apply(
    action: str, ids: Iterable[int], user: str | None = None, mail=None, **details
) -> Outcome:
    """Run ``action`` on each subscription of ``ids`` in one transaction and one revision
    (``user``: the staff member's username, recorded as the site's revision user;
    ``mail``: the connection the state mails go through)."""
    if action not in RULES:
        raise InvalidInput(f"unknown action {action!r} ({', '.join(RULES)})")
    rule = RULES[action]
    if action == "reject":
        check_reason(details.get("reason"))
    ids = list(ids)
    outcome = Outcome(action)
    events: list[tuple[Subscribe, dict]] = []
    to_deliver: dict[int, int] = {}  # outbox id -> subscription id
    notes: dict[int, tuple[bool, str]] = {}
    with audited(
        f"subscription.{action}", Subscribe._meta.table_name, ",".join(map(str, ids))
    ) as write:
        with reversion_history.revision(user) as revision:
            ctx = Context(ids=ids, revision=revision, details=details)
            for sid in ids:
                sub = locked(Subscribe.select().where(Subscribe.id == sid)).get_or_none()
                if sub is None:
                    outcome.skipped.append((str(sid), f"no subscription {sid}"))
                    continue
                ctx.changes = dict(details, old_state=sub.state)
                try:
                    ctx.changes["new_state"] = rule(sub, ctx)
                except InvalidInput as exc:
                    outcome.skipped.append((sub.usi, str(exc)))
                    continue
                outcome.done.append(sub)
                events.append((sub, ctx.changes))
                if mail is not None and action in MAILED_ACTIONS and mailed(ctx.changes):
                    queued, refused = queue_mails([sub.id], mail)  # with the action's rows
                    to_deliver.update(queued)
                    notes.update(refused)
        write.summary = {
            "done": [s.usi for s in outcome.done],
            "skipped": [u for u, _ in outcome.skipped],
            **{k: v for k, v in details.items() if k in ("reason", "notify", "allow_singles")},
        }
    if action == "delete":
        return outcome
    for sub, changes in events:
        for hook in AFTER_STATE_CHANGE:
            try:
                hook(sub, action, changes)
            except Exception as exc:  # the change is committed; report, do not undo
                outcome.warnings.append(f"{getattr(hook, '__name__', hook)}: {exc}")
    notes.update(deliver_notes(to_deliver, mail))
    for sub, _ in events:
        fine, text = notes.get(sub.id, (True, ""))
        if text:
            outcome.mail[sub.usi] = text
        if not fine:
            outcome.mail_failed += 1
            outcome.warnings.append(f"{sub.usi}: {text}")
    return outcome


def mailed(changes: dict) -> bool:
    """Whether the site mails the participant after this change."""
    return changes.get("mail", True) and changes.get("notify", True)


def normalise_usi(text: str) -> str:
    usi = text.strip().upper().removeprefix("USI-").removeprefix("USI").strip(" -")
    if len(usi) != 6 or any(c not in USI_ALPHABET for c in usi):
        raise InvalidInput(f"{text.strip()!r} is not a USI (6 characters of {USI_ALPHABET})")
    return usi


def find_by_usi(text: str) -> Subscribe:
    """The subscription with this USI (``abc346``, ``USI-ABC346`` work too)."""
    usi = normalise_usi(text)
    sub = Subscribe.get_or_none(Subscribe.usi == usi)
    if sub is None:
        raise NotFound(f"no subscription with USI {usi}")
    return sub


def mark_paid(sub: Subscribe, method: str, user: str | None = None) -> bool:
    """The site's ``Subscribe.mark_as_paid``: only a confirmed one becomes payed, in its own
    revision (the payment matcher's way; staff use the ``paid_counter`` action)."""
    if sub.state != SubscribeState.CONFIRMED:
        return False
    with reversion_history.revision(user) as revision:
        sub.state, sub.paymentmethod = SubscribeState.PAYED, method
        save(sub, Context([sub.id], revision, {}), f"Paid using payment method {method}")
    return True
