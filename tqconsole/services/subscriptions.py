"""Staff actions on subscriptions, used by the model browser and ``tqconsole subs``.

The rules (DESIGN.md, domain facts):
- confirm: new or waiting_list → confirmed, or completed when nothing is to pay;
  a Confirmation row records it.  admit: the same, only from waiting_list.
- reject(reason): rejected, or to_reimburse when already paid; a Rejection row.
- waiting_list: new or confirmed (unpaid) → waiting_list.
- paid_counter: confirmed → payed, paymentmethod counter.

Each subscription is changed in its own audited transaction, so one that does not
fit the rule is skipped with its reason and the others still go through.

Mail: given the ``mail`` connection (the mail backend of the caller's settings),
confirm, admit, reject and waiting list queue the participant's mail of the new
state and deliver it at once; the Outcome says per subscription whether it was
sent, refused or failed (``mail``), and every refused or failed one is also in
``warnings``.  Without a connection nothing is mailed.

Hook point: ``AFTER_STATE_CHANGE`` is a list of callables ``hook(subscription,
action, details)`` run after each change is committed (details: the old state,
the new state, the reason of a rejection).  A failing hook never undoes the
change; its error is reported in the Outcome's ``warnings``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from tqconsole.errors import InvalidInput, NotFound
from tqconsole.models import Confirmation, Rejection, Subscribe, UserProfile
from tqconsole.models.choices import PaymentMethod, RejectionReason, SubscribeState
from tqconsole.models.courses import USI_ALPHABET
from tqconsole.services.audit import audited
from tqconsole.services.mail_workflows import MAILED_ACTIONS, mail_state_changes
from tqconsole.services.records import locked

AFTER_STATE_CHANGE: list[Callable[[Subscribe, str, dict], None]] = []

ACTIONS = {
    "confirm": "Confirm",
    "admit": "Admit from waiting list",
    "reject": "Reject",
    "waiting_list": "Move to waiting list",
    "paid_counter": "Mark paid at the counter",
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


def price_to_pay(sub: Subscribe) -> float:
    """The stored price, else the course's student or full price by the profile's legi."""
    if sub.price_to_pay is not None:
        return float(sub.price_to_pay)
    course = sub.course
    profile = UserProfile.get_or_none(UserProfile.user == sub.user_id)
    student = profile is not None and profile.has_legi()
    price = course.price_with_legi if student else course.price_without_legi
    return float(price or 0)


def confirmed_state(sub: Subscribe) -> str:
    return SubscribeState.COMPLETED if price_to_pay(sub) <= 0 else SubscribeState.CONFIRMED


def _confirm(sub: Subscribe, allowed: tuple[str, ...], details: dict) -> str:
    if sub.state not in allowed:
        raise InvalidInput(f"is {sub.state}; only {' or '.join(allowed)} can be confirmed")
    Confirmation.insert(subscription=sub.id, date=datetime.now()).execute()
    return confirmed_state(sub)


def confirm_rule(sub, details):
    return _confirm(sub, SubscribeState.OPEN, details)


def admit_rule(sub, details):
    return _confirm(sub, (SubscribeState.WAITING_LIST,), details)


def check_reason(reason: str) -> str:
    if reason not in RejectionReason.values():
        raise InvalidInput(f"unknown reason {reason!r} ({', '.join(RejectionReason.values())})")
    return reason


def reject_rule(sub, details):
    reason = check_reason(details.get("reason", RejectionReason.UNKNOWN))
    if sub.state in (SubscribeState.REJECTED, SubscribeState.TO_REIMBURSE):
        raise InvalidInput(f"is already {sub.state}")
    Rejection.insert(
        subscription=sub.id, date=datetime.now(), reason=reason, mail_sent=False
    ).execute()
    paid = sub.state in SubscribeState.PAID
    return SubscribeState.TO_REIMBURSE if paid else SubscribeState.REJECTED


def waiting_list_rule(sub, details):
    if sub.state not in (SubscribeState.NEW, SubscribeState.CONFIRMED):
        raise InvalidInput(f"is {sub.state}; only new or confirmed (unpaid) can wait")
    return SubscribeState.WAITING_LIST


def paid_counter_rule(sub, details):
    if sub.state != SubscribeState.CONFIRMED:
        raise InvalidInput(f"is {sub.state}; only confirmed (unpaid) can be paid")
    details["paymentmethod"] = PaymentMethod.COUNTER
    return SubscribeState.PAYED


RULES = {
    "confirm": confirm_rule,
    "admit": admit_rule,
    "reject": reject_rule,
    "waiting_list": waiting_list_rule,
    "paid_counter": paid_counter_rule,
}


def apply(action: str, ids: Iterable[int], mail=None, **details) -> Outcome:
    """Run ``action`` on each subscription of ``ids``; see the module docstring."""
    if action not in RULES:
        raise InvalidInput(f"unknown action {action!r} ({', '.join(RULES)})")
    rule = RULES[action]
    if action == "reject":
        check_reason(details.get("reason", RejectionReason.UNKNOWN))
    outcome = Outcome(action)
    for sid in ids:
        changes = dict(details)
        sub = None
        try:
            with audited(f"subscription.{action}", Subscribe._meta.table_name, sid) as write:
                sub = locked(Subscribe.select().where(Subscribe.id == sid)).get_or_none()
                if sub is None:
                    raise NotFound(f"no subscription {sid}")
                old = sub.state
                new = rule(sub, changes)
                values = {Subscribe.state: new}
                if "paymentmethod" in changes:
                    values[Subscribe.paymentmethod] = changes["paymentmethod"]
                Subscribe.update(values).where(Subscribe.id == sid).execute()
                changes.update(old_state=old, new_state=new)
                write.summary = {"usi": sub.usi, **changes}
        except (InvalidInput, NotFound) as exc:
            outcome.skipped.append((sub.usi if sub else str(sid), str(exc)))
            continue
        sub.state = new
        outcome.done.append(sub)
        for hook in AFTER_STATE_CHANGE:
            try:
                hook(sub, action, changes)
            except Exception as exc:  # the change is committed; report, do not undo
                outcome.warnings.append(f"{getattr(hook, '__name__', hook)}: {exc}")
    if mail is not None and action in MAILED_ACTIONS and outcome.done:
        notes = mail_state_changes([s.id for s in outcome.done], mail)
        for sub in outcome.done:
            fine, text = notes.get(sub.id, (True, ""))
            if text:
                outcome.mail[sub.usi] = text
            if not fine:
                outcome.mail_failed += 1
                outcome.warnings.append(f"{sub.usi}: {text}")
    return outcome


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
