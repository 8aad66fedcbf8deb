"""``tqconsole payments``: bank payments the matcher could not place (the TUI's payments list).

``unmatched`` lists them; ``link PAYMENT_ID USI`` books one on a subscription as the
site's payment admin does; ``mark PAYMENT_ID irrelevant|to_reimburse`` sets one aside.
"""

from __future__ import annotations

import sys

from tqconsole.commands.output import add_json_flag, print_records, print_result


def register(sub) -> None:
    payments = sub.add_parser("payments", help="unmatched bank payments: list, link, set aside")
    subsub = payments.add_subparsers(dest="payments_command", metavar="ACTION", required=True)
    p = subsub.add_parser("unmatched", help="credits in state new/manual paying no subscription")
    add_json_flag(p)
    p.set_defaults(func=cmd_unmatched)
    p = subsub.add_parser("link", help="book a payment on the subscription of a USI")
    p.add_argument("payment_id", type=int)
    p.add_argument("usi", help="USI code (ABC346 or USI-ABC346)")
    p.add_argument("--user", help="staff username recorded in the site's history")
    add_json_flag(p)
    p.set_defaults(func=cmd_link)
    p = subsub.add_parser("mark", help="set a payment aside: irrelevant or to_reimburse")
    p.add_argument("payment_id", type=int)
    p.add_argument("how", choices=["irrelevant", "to_reimburse"])
    add_json_flag(p)
    p.set_defaults(func=cmd_mark)


def cmd_unmatched(ctx) -> int:
    from tqconsole.services.payments.linking import unmatched

    ctx.backends.database  # noqa: B018 - binds the models
    print_records(
        ctx.args.json,
        unmatched(),
        ["id", "date", "amount", "state", "name", "remittance"],
        lambda p: [p.id, p.date, p.amount, p.state, p.name, p.remittance],
    )
    return 0


def cmd_link(ctx) -> int:
    from tqconsole.services.payments.linking import link

    ctx.backends.database  # noqa: B018 - binds the models
    outcome = link(
        ctx.args.payment_id, ctx.args.usi, user=ctx.args.user, mail=ctx.backends.get("email")
    )
    print_result(ctx.args.json, outcome.as_dict(), outcome.summary())
    for warning in outcome.warnings:
        print(f"tqconsole: {warning}", file=sys.stderr)
    return 1 if outcome.warnings else 0


def cmd_mark(ctx) -> int:
    from tqconsole.services.payments.linking import mark

    ctx.backends.database  # noqa: B018 - binds the models
    payment = mark(ctx.args.payment_id, ctx.args.how)
    data = {"id": payment.id, "state": payment.state, "type": payment.type}
    print_result(ctx.args.json, data, f"payment #{payment.id}: {payment.state}, {payment.type}")
    return 0
