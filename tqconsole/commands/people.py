"""``tqconsole people``: the front desk (the TUI's person finder, key 8 / ``:people``).

``find TEXT`` (a name, an email or a USI), ``show USER_ID`` (her subscriptions
with open amounts, her payments), ``pay USI AMOUNT`` (paid at the counter).
"""

from __future__ import annotations

import sys

from tqconsole.commands.output import add_json_flag, print_json, print_records, print_table


def register(sub) -> None:
    people = sub.add_parser("people", help="front desk: find a person, her subscriptions, cash")
    subsub = people.add_subparsers(dest="people_command", metavar="ACTION", required=True)
    p = subsub.add_parser("find", help="people by name, email or USI")
    p.add_argument("text", nargs="+")
    add_json_flag(p)
    p.set_defaults(func=cmd_find)
    p = subsub.add_parser("show", help="a person's subscriptions and payments")
    p.add_argument("user_id", type=int)
    add_json_flag(p)
    p.set_defaults(func=cmd_show)
    p = subsub.add_parser("pay", help="mark a subscription paid at the counter for its open amount")
    p.add_argument("usi", help="USI code (ABC346 or USI-ABC346)")
    p.add_argument("amount", help="the amount taken (must be the open amount)")
    p.add_argument("--user", help="staff username recorded in the site's history")
    add_json_flag(p)
    p.set_defaults(func=cmd_pay)


def cmd_find(ctx) -> int:
    from tqconsole.services.courses.people import find

    ctx.backends.database  # noqa: B018 - binds the models
    print_records(
        ctx.args.json,
        find(" ".join(ctx.args.text)),
        ["id", "name", "email", "subscriptions"],
        lambda m: [m.user_id, m.name, m.email, m.subscriptions],
        lambda m: vars(m),
    )
    return 0


def cmd_show(ctx) -> int:
    from tqconsole.services.courses.people import person

    ctx.backends.database  # noqa: B018 - binds the models
    found = person(ctx.args.user_id)
    if ctx.args.json:
        print_json(found.as_dict())
        return 0
    print(f"{found.name} <{found.email}>  #{found.user_id}")
    print(found.profile)
    print()
    print_table(
        (
            [s.usi, s.title, s.course, s.state, s.price, s.open_amount, s.paymentmethod or ""]
            for s in found.subscriptions
        ),
        ["usi", "title", "course", "state", "price", "open", "method"],
    )
    print()
    print_table(
        ([p.id, p.date, p.amount, p.usi, p.linked, p.state, p.remittance] for p in found.payments),
        ["payment", "date", "amount", "usi", "booked", "state", "remittance"],
    )
    return 0


def cmd_pay(ctx) -> int:
    from tqconsole.services.courses.people import pay_at_counter
    from tqconsole.services.courses.subscriptions import find_by_usi

    ctx.backends.database  # noqa: B018 - binds the models
    sub = find_by_usi(ctx.args.usi)
    outcome = pay_at_counter(
        sub.id, ctx.args.amount, user=ctx.args.user, mail=ctx.backends.get("email")
    )
    if ctx.args.json:
        print_json(
            {
                "done": [{"usi": s.usi, "state": s.state} for s in outcome.done],
                "skipped": [{"usi": u, "why": w} for u, w in outcome.skipped],
                "warnings": outcome.warnings,
            }
        )
    else:
        print(outcome.summary())
    for warning in outcome.warnings:
        print(f"tqconsole: {warning}", file=sys.stderr)
    return 1 if outcome.skipped or outcome.warnings else 0
