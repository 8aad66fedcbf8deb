"""``tqconsole subs``: the staff actions on subscriptions, by USI (the TUI's c/a/w/x/m keys).

Each line says what happened to the participant's mail too; a mail refused or
not sent is also a line on stderr and exit status 1 (the change itself stays).
"""

from __future__ import annotations

import sys

from tqconsole.commands.output import add_json_flag, print_json

ACTIONS = {
    "confirm": "confirm a new one (confirmed, or completed when free)",
    "admit": "admit from the waiting list (back to new)",
    "wait": "move a new one to the waiting list (a couple together)",
    "reject": "reject with a reason (payed ones become to_reimburse)",
    "paid": "mark a confirmed one paid at the counter",
    "paid-online": "mark a confirmed one paid online (mails that the payment came in)",
    "match": "pair the selected singles of a couple course as partners",
    "unconfirm": "set a confirmed one back to new",
    "unreject": "take back a rejection",
    "delete": "delete a new one (never one with payments or a voucher)",
}
SERVICE_ACTION = {"wait": "waiting_list", "paid": "paid_counter", "paid-online": "paid_online"}


def register(sub) -> None:
    subs = sub.add_parser("subs", help="staff actions on subscriptions (by USI)")
    subsub = subs.add_subparsers(dest="subs_command", metavar="ACTION", required=True)
    p = subsub.add_parser("find", help="show the subscription of a USI")
    p.add_argument("usi")
    add_json_flag(p)
    p.set_defaults(func=cmd_find)
    p = subsub.add_parser("redeem", help="redeem a voucher on a subscription")
    p.add_argument("usi")
    p.add_argument("key", help="the voucher's key")
    p.add_argument("--user", help="who redeems it (recorded in the site's history)")
    add_json_flag(p)
    p.set_defaults(func=cmd_redeem)
    p = subsub.add_parser("remind", help="send a confirmed one the payment reminder now")
    p.add_argument("usi")
    add_json_flag(p)
    p.set_defaults(func=cmd_remind)
    for name, text in ACTIONS.items():
        p = subsub.add_parser(name, help=text)
        p.add_argument("usi", nargs="+", help="USI codes (ABC346 or USI-ABC346)")
        if name == "reject":
            p.add_argument("--reason", default="unknown", help="rejection reason")
        if name == "confirm":
            p.add_argument(
                "--allow-singles", action="store_true", help="also singles in couple courses"
            )
        if name in ("reject", "wait"):
            p.add_argument("--no-mail", action="store_true", help="do not mail the participant")
        p.add_argument("--user", help="staff username recorded in the site's history")
        add_json_flag(p)
        p.set_defaults(func=cmd_action, action=SERVICE_ACTION.get(name, name))


def cmd_find(ctx) -> int:
    from tqconsole.services.courses.subscriptions import find_by_usi
    from tqconsole.services.db.records import load

    ctx.backends.database  # noqa: B018 - binds the models
    sub = find_by_usi(ctx.args.usi)
    record = load(type(sub), sub.id)
    figures = record.figures  # the site's price, reductions, payments, open amount
    if ctx.args.json:
        amounts = {k: str(v) for k, v in figures.items()}
        print_json({"values": record.values, "labels": record.labels, "amounts": amounts})
        return 0
    for name, value in [*record.values.items(), *figures.items()]:
        label = record.labels.get(name)
        print(
            f"{name:<22} {value if value is not None else ''}" + (f"  ({label})" if label else "")
        )
    return 0


def cmd_action(ctx) -> int:
    from tqconsole.services.courses.subscriptions import apply, find_by_usi

    ctx.backends.database  # noqa: B018 - binds the models
    ids = [find_by_usi(usi).id for usi in ctx.args.usi]
    details = {"reason": ctx.args.reason} if ctx.args.action == "reject" else {}
    if getattr(ctx.args, "allow_singles", False):
        details["allow_singles"] = True
    if getattr(ctx.args, "no_mail", False):
        details["notify"] = False
    outcome = apply(
        ctx.args.action, ids, user=ctx.args.user, mail=ctx.backends.get("email"), **details
    )
    if ctx.args.json:
        print_json(
            {
                "done": [
                    {"usi": s.usi, "state": s.state, "mail": outcome.mail.get(s.usi, "")}
                    for s in outcome.done
                ],
                "skipped": [{"usi": u, "why": w} for u, w in outcome.skipped],
                "warnings": outcome.warnings,
            }
        )
    else:
        for s in outcome.done:
            mail = outcome.mail.get(s.usi)
            print(f"{s.usi}  {s.state}" + (f"  ({mail})" if mail else ""))
        for usi, why in outcome.skipped:
            print(f"{usi}  skipped: {why}")
    for warning in outcome.warnings:
        print(f"tqconsole: {warning}", file=sys.stderr)
    return 1 if (outcome.skipped and not outcome.done) or outcome.warnings else 0


def cmd_remind(ctx) -> int:
    from tqconsole.services.payments.reminders import remind_one

    ctx.backends.database  # noqa: B018 - binds the models
    email_id, report = remind_one(ctx.args.usi, ctx.backends.get("email"))
    sent = email_id in report.sent
    if ctx.args.json:
        print_json({"usi": ctx.args.usi, "mail": email_id, "sent": sent})
    else:
        print(f"reminder mail #{email_id} " + ("sent" if sent else f"NOT sent: {report.summary()}"))
    return 0 if sent else 1


def cmd_redeem(ctx) -> int:
    from tqconsole.services.courses.vouchers import redeem

    ctx.backends.database  # noqa: B018 - binds the models
    done = redeem(ctx.args.key, ctx.args.usi, user=ctx.args.user)
    if ctx.args.json:
        remainder = done.remainder.key if done.remainder is not None else None
        print_json(
            {
                "usi": done.usi,
                "voucher": done.key,
                "reduction": str(done.reduction),
                "paid": done.paid,
                "remainder": remainder,
            }
        )
    else:
        print(done.summary())
    return 0
