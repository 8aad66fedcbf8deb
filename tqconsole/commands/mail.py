"""``tqconsole mail``: send (now, from a template or to a query), the outbox, a test message."""

from __future__ import annotations

from tqconsole.commands.output import add_json_flag, print_records


def register(sub) -> None:
    mail = sub.add_parser("mail", help="send mail, the outbox (without a command: the mail screen)")
    msub = mail.add_subparsers(dest="mail_command", metavar="COMMAND")
    mail.set_defaults(func=cmd_open, location="mail")  # bare `tqconsole mail` is the location

    p = msub.add_parser("send", help="send a message (recorded in the outbox)")
    p.add_argument("--to", action="append", default=[], help="recipient (repeatable, or a,b)")
    p.add_argument("--cc", action="append", default=[])
    p.add_argument("--bcc", action="append", default=[])
    p.add_argument("--reply-to", action="append", default=[])
    p.add_argument("--from", dest="from_email", default="", help="sender (default: configured)")
    p.add_argument("--subject", default="")
    body = p.add_mutually_exclusive_group()
    body.add_argument("--body", default=None, help="the text")
    body.add_argument("--body-file", default=None, help="the text from a UTF-8 file")
    p.add_argument("--html-file", default=None, help="an HTML alternative from a UTF-8 file")
    p.add_argument("--markdown", action="store_true", help="add the body rendered as HTML")
    p.add_argument(
        "--attach", action="append", default=[], help="a file, or STORAGE:KEY (repeatable)"
    )
    p.add_argument("--template", default=None, help="a template name (see mail templates)")
    p.add_argument("--record", default=None, help="TABLE/PK the template is rendered from")
    p.add_argument(
        "--query",
        default=None,
        help="bulk: one message per recipient of a query: a model-browser filter over subscriptions, or after 'users:' over users",
    )
    p.add_argument("--job", default=None, help="bulk: job id (re-run to resume)")
    p.add_argument(
        "--again",
        action="store_true",
        help="bulk: send a message that already went to this query once more (a new job)",
    )
    p.add_argument("--connections", type=int, default=1, help="bulk: parallel SMTP connections")
    p.add_argument("--key", default=None, help="idempotency key (never sent twice)")
    p.add_argument("--yes", action="store_true", help="bulk: do not ask")
    p.set_defaults(func=cmd_send)

    p = msub.add_parser("outbox", help="the post_office emails, newest first")
    p.add_argument("--status", default=None, help="sent | failed | queued | requeued")
    p.add_argument("--job", default=None)
    p.add_argument("--limit", type=int, default=50)
    add_json_flag(p)
    p.set_defaults(func=cmd_outbox)

    p = msub.add_parser("show", help="one message of the outbox, as sent")
    p.add_argument("id", type=int)
    p.set_defaults(func=cmd_show)

    p = msub.add_parser("requeue", help="put emails back in the queue (the site's admin action)")
    p.add_argument("ids", type=int, nargs="+", metavar="ID")
    p.set_defaults(func=cmd_requeue)

    p = msub.add_parser("resend", help="send a failed message again")
    p.add_argument("id", type=int)
    p.set_defaults(func=cmd_resend)

    p = msub.add_parser(
        "retry",
        help="send queued mail that is due (with the site configured: the site's task does)",
    )
    p.set_defaults(func=cmd_retry)

    p = msub.add_parser(
        "reminders", help="payment reminders due (14 days after the start, every 7 days)"
    )
    p.add_argument("--date", default=None, help="the day to apply the rule to (YYYY-MM-DD)")
    p.add_argument("--send", action="store_true", help="send them (default: only list them)")
    add_json_flag(p)
    p.set_defaults(func=cmd_reminders)

    p = msub.add_parser("templates", help="the mail templates")
    add_json_flag(p)
    p.set_defaults(func=cmd_templates)

    p = msub.add_parser("test", help="send a test message to ADDRESS")
    p.add_argument("address")
    p.set_defaults(func=cmd_test)


def cmd_open(ctx) -> int:
    from tqconsole.commands.tui import cmd_tui

    return cmd_tui(ctx)


def split(values: list[str]) -> str:
    return ",".join(values)


def cmd_send(ctx) -> int:
    from tqconsole.errors import InvalidInput
    from tqconsole.services.mail import bulk as bulk_mail
    from tqconsole.services.mail import compose
    from tqconsole.services.mail import templates as mail_templates
    from tqconsole.services.mail.sending import send_messages

    args = ctx.args
    backends = ctx.backends
    backends.database  # noqa: B018 - binds the models (outbox)
    connection = backends.get("email")
    draft = compose.Draft(
        to=split(args.to),
        cc=split(args.cc),
        bcc=split(args.bcc),
        reply_to=split(args.reply_to),
        from_email=args.from_email,
        subject=args.subject,
        markdown_html=args.markdown,
        attachments=args.attach,
    )
    if args.body_file:
        draft.body = compose.read_text_file(args.body_file, "body file")
    elif args.body is not None:
        draft.body = args.body
    if args.html_file:
        draft.html = compose.read_text_file(args.html_file, "HTML file")
    template = ""
    if args.template:
        if not args.record:
            raise InvalidInput("--template needs --record TABLE/PK")
        record = mail_templates.load_record(args.record)
        draft.subject, draft.body = mail_templates.render(args.template, record, connection)
        draft.to = draft.to or mail_templates.recipient(record)
        template = args.template
    if args.query:
        recipients = bulk_mail.recipients_from_query(args.query, connection)
        if not draft.subject.strip():
            raise InvalidInput("the subject is empty")
        bulk_mail.check_draft(draft, recipients)
        from tqconsole.commands.output import confirm

        question = f"send {len(recipients)} messages ({args.query})?"
        earlier = [] if args.job else bulk_mail.earlier_jobs(args.query, draft)
        if earlier and not args.again:
            raise InvalidInput(
                f"this message went to this query before: {earlier[0].describe()}; "
                f"--job {earlier[0].job} resumes that job, --again sends it once more"
            )
        if earlier:
            question = f"send again (before: {earlier[0].describe()}): {question}"
        confirm(question, yes=args.yes)
        job, _ = bulk_mail.job_from_draft(
            draft,
            recipients,
            connection,
            compose.BucketStorages(backends),
            job=args.job,
            template=template,
            query=args.query,
        )
        report = bulk_mail.send_bulk(job, connection=connection, connections=args.connections)
        print(f"job {job}: {report.summary()}")
        return 0 if not (report.failed or report.deferred or report.uncertain) else 1
    message = compose.build(draft, connection, compose.BucketStorages(backends))
    keys = [args.key] if args.key else None
    report = send_messages([message], connection=connection, keys=keys, template=template)
    return print_delivery(report)


def print_delivery(report) -> int:
    from tqconsole.errors import ConsoleError

    if report.delegated:
        print(report.delegated)
    for pk, refused in report.refused.items():
        for address, reply in refused.items():
            print(f"#{pk}: {address} refused: {reply}")
    if report.sent:
        print(f"sent #{', #'.join(map(str, report.sent))}")
    if report.skipped and not report.sent:
        print(f"already sent (#{', #'.join(map(str, report.skipped))}); nothing sent again")
    if report.deferred:
        raise ConsoleError(
            f"{report.first_error()} — queued as #{', #'.join(map(str, report.deferred))}, "
            "retried later (tqconsole mail retry)"
        )
    if report.failed:
        raise ConsoleError(f"not sent: {report.first_error()}")
    return 0


def cmd_outbox(ctx) -> int:
    from tqconsole.services.mail.outbox import list_outbox

    ctx.backends.database  # noqa: B018
    rows = list_outbox(status=ctx.args.status, limit=ctx.args.limit, job=ctx.args.job)
    print_records(
        ctx.args.json,
        rows,
        ("id", "updated", "status", "priority", "retries", "to", "subject", "error"),
        lambda r: (
            r.id,
            f"{r.updated:%Y-%m-%d %H:%M}",
            "sending" if r.sending else r.status,
            r.priority,
            r.retries,
            r.to,
            r.subject,
            r.error,
        ),
    )
    return 0


def cmd_requeue(ctx) -> int:
    from tqconsole.services.mail.outbox import requeue

    ids = requeue(ctx.backends.database, ctx.args.ids)
    print(f"requeued #{', #'.join(map(str, ids))} (status queued, as the site's admin action)")
    return 0


def cmd_show(ctx) -> int:
    import sys

    from tqconsole.services.mail.outbox import get_email

    ctx.backends.database  # noqa: B018
    row = get_email(ctx.args.id)
    sys.stdout.write(row.message.decode("utf-8", "replace").replace("\r\n", "\n"))
    sys.stdout.write("\n")
    return 0


def cmd_resend(ctx) -> int:
    from tqconsole.services.mail.outbox import resend_now

    ctx.backends.database  # noqa: B018
    return print_delivery(resend_now(ctx.backends, ctx.args.id))


def cmd_retry(ctx) -> int:
    from tqconsole.services.mail.outbox import send_queued

    ctx.backends.database  # noqa: B018
    report = send_queued(ctx.backends)
    print(report.summary())
    return 0 if not report.failed and not report.unreachable else 1


def cmd_reminders(ctx) -> int:
    from datetime import date

    from tqconsole.errors import InvalidInput
    from tqconsole.services.payments.amounts import open_amounts
    from tqconsole.services.payments.reminders import due_reminders, send_payment_reminders

    try:
        day = date.fromisoformat(ctx.args.date) if ctx.args.date else date.today()
    except ValueError:
        raise InvalidInput(f"--date {ctx.args.date!r}: expected YYYY-MM-DD") from None
    if ctx.args.send:
        from tqconsole.services.tasks import site as task_site

        site = task_site.site_task(ctx.backends.settings, "send_payment_reminders")
        if site is not None:  # the site's own task picks and mails them: one sender
            task_id = task_site.send(ctx.backends.settings, site)
            print(
                f"sent the site's task {site.call} (id {task_id}); its workers send the reminders"
            )
            return 0
    ctx.backends.database  # noqa: B018
    if ctx.args.send:
        report = send_payment_reminders(day, connection=ctx.backends.get("email"))
        print(report.summary())
        return 0 if report.delivery is None or not report.delivery.failed else 1
    subs = due_reminders(day)
    amounts = open_amounts(subs)
    rows = [
        {"subscription": s.id, "usi": s.usi, "email": s.user.email, "course": s.course.name,
         "open": f"{amounts[s.id]:.2f}"}
        for s in subs
    ]  # fmt: skip
    print_records(
        ctx.args.json,
        rows,
        ("subscription", "usi", "email", "course", "open"),
        lambda r: r.values(),
        as_dict=lambda r: r,
    )
    return 0


def cmd_templates(ctx) -> int:
    from tqconsole.services.mail.templates import template_names

    ctx.backends.database  # noqa: B018 - binds the models
    names = template_names()
    print_records(ctx.args.json, names, ("name",), lambda n: (n,), as_dict=lambda n: {"name": n})
    return 0


def cmd_test(ctx) -> int:
    import socket

    from tqconsole.services.mail import compose
    from tqconsole.services.mail.sending import send_messages

    ctx.backends.database  # noqa: B018
    connection = ctx.backends.get("email")
    host = socket.gethostname()
    message = compose.build(
        compose.Draft(
            to=ctx.args.address,
            subject=f"tqconsole test message from {host}",
            body=f"This is a test message sent by tqconsole on {host} "
            f"through {ctx.settings.masked('email')}.\n",
        ),
        connection,
    )
    return print_delivery(send_messages([message], connection=connection))
