"""The site's mail templates (``post_office_emailtemplate``), rendered as the site renders them.

A staff action's mail, a reminder or a template inserted into a draft is the
row of ``post_office_emailtemplate`` named as the site's code names it (the
template without a language, as the site passes none), its ``subject``,
``content`` and ``html_content`` rendered by Django's template engine (a
standalone ``Engine``: autoescaping on, numbers localised in the site's
language) with the context the site's mail function builds
(``site_mail_context``).  On the embedded default the table holds the console's
own templates under the same names (``seed_templates``), so one path renders
every mail.

The ``{field}`` placeholders of a draft typed by staff (``fill``, with
``subscription_context``/``user_context``) are the composer's, not templates.
The payment details come from the settings of the mail connection handed
down (a profile's ``payment_iban``), never from a configuration loaded here.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import peewee as pw

from tqconsole.errors import InvalidInput, NotFound
from tqconsole.models import Rejection, Subscribe, User, by_table
from tqconsole.models.base import database
from tqconsole.services.payments.amounts import course_start, open_amount, price_to_pay

SITE_DOMAIN = "tanzquotient.org"  # the site's DEPLOYMENT_DOMAIN unless the settings name one


class TemplateRow(pw.Model):
    """A row of post_office's template table (the site's columns)."""

    name = pw.CharField(max_length=255)
    description = pw.TextField(default="")
    subject = pw.CharField(max_length=255, default="")
    content = pw.TextField(default="")
    html_content = pw.TextField(default="")
    created = pw.DateTimeField()
    last_updated = pw.DateTimeField()
    default_template = pw.IntegerField(null=True, column_name="default_template_id")
    language = pw.CharField(max_length=12, default="")

    class Meta:
        database = database
        table_name = "post_office_emailtemplate"
        indexes = ((("name", "language", "default_template"), True),)


@dataclass(frozen=True)
class Rendered:
    template: str
    subject: str
    body: str
    html: str | None


# USE_I18N off: formats follow LANGUAGE_CODE, the site's language, without apps.  Whoever
# configures Django first in a process (a test, a benchmark) passes these too.
DJANGO_SETTINGS = {"USE_I18N": False, "LANGUAGE_CODE": "de", "USE_TZ": True}


def _engine():
    """Django's template engine, set up once without a settings module (imported lazily)."""
    from django.conf import settings

    if not settings.configured:
        settings.configure(**DJANGO_SETTINGS)
    from django.template import Engine

    return Engine()


def template_names() -> list[str]:
    if not TemplateRow.table_exists():
        return []
    query = TemplateRow.select(TemplateRow.name).where(TemplateRow.language == "")
    return [name for (name,) in query.order_by(TemplateRow.name).tuples()]


def get_template(name: str) -> TemplateRow:
    """The template ``name`` without a language, as post_office looks it up for the site."""
    row = None
    if TemplateRow.table_exists():
        row = TemplateRow.get_or_none((TemplateRow.name == name) & (TemplateRow.language == ""))
    if row is None:
        raise NotFound(f"no mail template {name!r} in post_office_emailtemplate")
    return row


def render_template(name: str, context: dict) -> Rendered:
    """Subject, text and HTML of template ``name`` rendered with ``context`` as post_office does."""
    from django.template import Context, TemplateSyntaxError

    row = get_template(name)
    engine = _engine()
    try:
        parts = [
            engine.from_string(text).render(Context(context)) if text else ""
            for text in (row.subject, row.content, row.html_content)
        ]
    except TemplateSyntaxError as exc:
        raise InvalidInput(f"mail template {name}: {exc}") from None
    return Rendered(name, parts[0], parts[1], parts[2] or None)


def site_domain(connection) -> str:
    from tqconsole.backends.mail.message import option

    return str(option(connection, "site_domain", SITE_DOMAIN))


def site_mail(name: str, sub: Subscribe, domain: str) -> Rendered:
    """Template ``name`` rendered for ``sub`` with the context the site's code gives it."""
    from tqconsole.services.mail import site_context as site

    get_template(name)  # an unknown name says so before any context is built
    if name.startswith("participation_confirmation"):
        context = site.participation_confirmation(sub, domain)[1]
    elif name == "payment_reminder":
        context = site.payment_reminder(sub, domain)[1]
    elif name.startswith("rejection_"):
        context = site.rejection(sub, name.removeprefix("rejection_"))[1]
    elif name == "move_to_waiting_list":
        context = site.move_to_waiting_list(sub, domain)[1]
    elif name.startswith("subscription_confirmation"):
        context = site.subscription_confirmation(sub, domain)
    elif name == "online_payment_successful":
        context = site.online_payment_successful(sub)[1]
    else:
        raise InvalidInput(f"{name} is not one of the site's mails of a subscription")
    return render_template(name, context)


def render(name: str, record, connection) -> tuple[str, str]:
    """(subject, body) of template ``name`` for a subscription, through the mail ``connection``."""
    if not isinstance(record, Subscribe):
        raise InvalidInput("templates are rendered from a courses_subscribe row")
    rendered = site_mail(name, record, site_domain(connection))
    return rendered.subject, rendered.body


def fill(text: str, context: dict) -> str:
    """``text`` with known ``{fields}`` filled; unknown ones stay, a lone brace leaves all as is."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        return text
    out = []
    for literal, name, spec, conversion in parts:
        out.append(literal)
        if name is None:
            continue
        value = context.get(name)
        if value is None or spec or conversion:
            out.append(
                "{"
                + name
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
        else:
            out.append(str(value))
    return "".join(out)


def unknown_placeholders(text: str, context: dict) -> list[str]:
    """The ``{fields}`` of ``text`` that ``context`` cannot fill (as ``fill`` reads them)."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        return []  # a lone brace: fill leaves the text as is
    return [name for _, name, _, _ in parts if name is not None and name not in context]


def check_placeholders(context: dict, **texts: str) -> None:
    """InvalidInput naming each unknown ``{field}`` of ``texts`` and the known ones."""
    unknown = {
        where: names
        for where, text in texts.items()
        if (names := unknown_placeholders(text, context))
    }
    if unknown:
        found = "; ".join(
            f"{where}: " + ", ".join("{" + n + "}" for n in names)
            for where, names in unknown.items()
        )
        known = ", ".join("{" + n + "}" for n in sorted(context))
        raise InvalidInput(f"unknown placeholder ({found}); known: {known}")


def payment_details(connection) -> dict[str, str]:
    """From the connection's settings (None: the defaults)."""
    from tqconsole.backends.mail.message import option

    return {
        "payment_account": str(option(connection, "payment_account", "Tanzquotient, 8092 Zürich")),
        "payment_iban": str(option(connection, "payment_iban", "CH00 0000 0000 0000 0000 0")),
    }


def user_context(user: User) -> dict[str, str]:
    return {
        "first_name": user.first_name or user.username,
        "last_name": user.last_name,
        "full_name": user.full_name(),
        "email": user.email,
        "username": user.username,
    }


def subscription_context(sub: Subscribe, connection) -> dict[str, str]:
    course = sub.course
    start = course_start(course)
    period = course.effective_period()
    rejection = (
        Rejection.select().where(Rejection.subscription == sub.id).order_by(Rejection.id.desc())
    ).first()
    return {
        **user_context(sub.user),
        **payment_details(connection),
        "course": course.name,
        "period": period.name if period else "",
        "start": f"{start:%d.%m.%Y}" if start else "(date to be announced)",
        "price": f"{price_to_pay(sub):.2f}",
        "open_amount": f"{open_amount(sub):.2f}",
        "usi": sub.usi,
        "state": sub.state,
        "reason": rejection.reason if rejection else "",
    }


def load_record(ref: str):
    """``TABLE/PK`` → the model instance (NotFound, InvalidInput with one clear line)."""
    table, _, pk = ref.strip().partition("/")
    model = by_table(table)
    if model is None or not pk:
        raise InvalidInput(f"record {ref!r}: expected TABLE/PK, e.g. courses_subscribe/12")
    try:
        key = int(pk)
    except ValueError:
        raise InvalidInput(f"record {ref!r}: the primary key must be a number") from None
    record = model.get_or_none(model._meta.primary_key == key)
    if record is None:
        raise NotFound(f"no row {pk} in {table}")
    return record


def recipient(record) -> str:
    """The address a record's mail goes to: the (subscribing) user's."""
    user = record.user if isinstance(record, Subscribe) else record
    if not user.email:
        raise InvalidInput(f"user {user.username} has no email address")
    return f"{user.full_name()} <{user.email}>" if user.first_name else user.email
