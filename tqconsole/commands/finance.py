"""``tqconsole finance``: the matching report of bank statements and the reminder dry run.

``report [FILE_ID]`` shows what matching made of each payment of a statement
(matched, partial, over-paid, unknown USI, no USI, manual, debits) with the
payment ids to open (``db show payment_payment --filter id=N``); without an id it
lists the statements.  ``match`` imports the unprocessed statements of the
finance storage and prints the same report.  ``reminders`` is the dry run:
who would get a payment reminder today, why, and the template (sending is
``tqconsole mail reminders --send``).
"""

from __future__ import annotations

from tqconsole.commands.output import add_json_flag, print_json, print_records


def register(sub) -> None:
    finance = sub.add_parser("finance", help="matching reports and the reminder dry run")
    fsub = finance.add_subparsers(dest="finance_command", metavar="ACTION", required=True)
    p = fsub.add_parser("report", help="what matching made of a statement's payments")
    p.add_argument("statement", nargs="?", type=int, help="finance file id (default: list them)")
    add_json_flag(p)
    p.set_defaults(func=cmd_report)
    p = fsub.add_parser("match", help="import unprocessed statements of the finance storage")
    add_json_flag(p)
    p.set_defaults(func=cmd_match)
    p = fsub.add_parser("reminders", help="dry run: who gets a payment reminder, why, template")
    p.add_argument("--date", help="the day of the run (YYYY-MM-DD, default today)")
    add_json_flag(p)
    p.set_defaults(func=cmd_reminders)


def print_report(as_json: bool, report) -> None:
    if as_json:
        print_json(report.as_dict())
        return
    for line in report.lines():
        print(line)


def cmd_report(ctx) -> int:
    from tqconsole.services.payments.matching import MatchReport, statement_report, statements

    ctx.backends.database  # noqa: B018 - binds the models
    if ctx.args.statement is None:
        print_records(
            ctx.args.json,
            statements(limit=100),
            ("id", "file", "imported", "payments"),
            lambda s: (s[0], s[1], f"{s[2]:%Y-%m-%d %H:%M}" if s[2] else "", s[3]),
            as_dict=lambda s: dict(zip(("id", "file", "imported", "payments"), s, strict=True)),
        )
        return 0
    print_report(ctx.args.json, MatchReport([statement_report(ctx.args.statement)]))
    return 0


def cmd_match(ctx) -> int:
    from tqconsole.services.payments.matching import match_storage_files

    ctx.backends.database  # noqa: B018 - binds the models
    storage = ctx.backends.get("storage").storage("finance")
    if not ctx.args.json:
        server = ctx.settings.masked("storage")
        print(
            f"reading statements (*.csv) from {storage.name}: bucket {storage.bucket} on {server}"
        )
    report = match_storage_files(ctx.backends)
    print_report(ctx.args.json, report)
    return 1 if any(f.status == "failed" for f in report.files) else 0


def cmd_reminders(ctx) -> int:
    from datetime import date

    from tqconsole.errors import InvalidInput
    from tqconsole.services.payments.reminder_preview import reminder_preview, rule_text

    try:
        day = date.fromisoformat(ctx.args.date) if ctx.args.date else date.today()
    except ValueError:
        raise InvalidInput(f"--date {ctx.args.date!r}: expected YYYY-MM-DD") from None
    ctx.backends.database  # noqa: B018 - binds the models
    due = reminder_preview(day)
    if not ctx.args.json:
        print(f"dry run for {day}: {len(due)} reminder(s) ({rule_text()}); nothing sent")
    print_records(
        ctx.args.json,
        due,
        ("usi", "participant", "course", "open", "template", "why"),
        lambda r: (r.usi, r.participant, r.course, r.open_amount, r.template, r.why),
    )
    return 0
