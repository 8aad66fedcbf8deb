"""The console's own mail templates, for a database without the site's (the embedded default).

``init`` writes them into ``post_office_emailtemplate`` (creating the table where
it is missing) on a database the site did not migrate, under the names the site's code uses,
in Django template syntax, with the context the site's mail functions build
(``site_mail_context``), so one path renders every mail.  Rows already there
(the site's, or edited by staff) are never replaced.
"""

from __future__ import annotations

from datetime import datetime

SIGNATURE = "\n\nKind regards\nTanzquotient\ntanzquotient.org"
PAYMENT = (
    "{% if payment_url %}\nPlease pay the course fee before the course starts or within a week."
    "\nPayment details and options: {{ payment_url }}\n{% endif %}"
)
COURSE = "\n\nThe course:\n{{ course_info|safe }}\n\nAll about it: {{ course_url }}"
CONFIRMED = "Hi {{ first_name }},\n\nyou have a place in {{ course }}."
SUBSCRIBED = "Hi {{ first_name }},\n\nwe have received your subscription for {{ course }}."
WAITING = (
    "\nThe course is full at the moment: you are on its waiting list."
    " We write to you as soon as a place is free."
)
REJECTED = "Hi {{ first_name }},\n\nthank you for your interest in {{ course }}.\n"
REASONS = {
    "unknown": "Unfortunately we cannot offer you a place in this course.",
    "requirements_not_met": "Unfortunately you do not meet the requirements of this course.",
    "overbooked": "Unfortunately the course is overbooked and we could not give you a place.",
    "no_partner": "Unfortunately we could not find a partner for you in this couple course.",
    "user_cancelled": "As you asked, we have cancelled your subscription.",
    "illegitimate": "Your subscription was not valid and has been removed.",
    "banned": "We cannot accept your subscription.",
    "course_cancelled": "Unfortunately the course has been cancelled. "
    "If you paid already, we will reimburse you.",
}


def console_templates() -> dict[str, tuple[str, str]]:
    """name → (subject, content)."""
    items = {
        "participation_confirmation_with_partner": (
            "Participation confirmed: {{ course }}",
            CONFIRMED
            + "\nYour role: {{ role_en }}\nYour first contact: {{ partner_info }}"
            + COURSE
            + "\n"
            + PAYMENT
            + SIGNATURE,
        ),
        "participation_confirmation_without_partner": (
            "Participation confirmed: {{ course }}",
            CONFIRMED
            + "\nYour role: {{ role_en }} (as a single in a couple course)"
            + COURSE
            + "\n"
            + PAYMENT
            + SIGNATURE,
        ),
        "participation_confirmation_without_partner_nocouple": (
            "Participation confirmed: {{ course }}",
            CONFIRMED + COURSE + "\n" + PAYMENT + SIGNATURE,
        ),
        "payment_reminder": (
            "Payment reminder: {{ course }}",
            "Hi {{ first_name }},\n\naccording to our records the fee for {{ course }} is "
            "still open.\n\nVouchers: {{ reductions }} CHF\nReceived: {{ paid_amount }} CHF\n"
            "Open: {{ open_amount }} CHF\nPayment details and options: {{ payment_url }}"
            "\n\nThe course:\n{{ course_info|safe }}\n\nIf you have paid in the meantime, "
            "please reply with the date of your payment." + SIGNATURE,
        ),
        "online_payment_successful": (
            "Payment received: {{ course }}",
            "Hi {{ first_name }},\n\nwe have received your payment for {{ course }}. Thank you!"
            + SIGNATURE,
        ),
        "move_to_waiting_list": (
            "Waiting list: {{ course }}",
            "Hi {{ first_name }},\n\n{{ course }} is full at the moment, so you are on its "
            "waiting list. We write to you as soon as a place becomes free.\n\n"
            "All about the course: {{ course_url }}" + SIGNATURE,
        ),
    }
    for suffix in ("with_partner", "without_partner", "without_partner_nocouple"):
        items[f"subscription_confirmation_{suffix}"] = (
            "Subscription received: {{ course }}",
            SUBSCRIBED + "\nWe will let you know whether you get a place." + COURSE + SIGNATURE,
        )
        items[f"subscription_confirmation_{suffix}_waiting_list"] = (
            "Waiting list: {{ course }}",
            SUBSCRIBED + WAITING + COURSE + SIGNATURE,
        )
    for reason, text in REASONS.items():
        items[f"rejection_{reason}"] = (
            "Your subscription for {{ course }}",
            REJECTED + text + "\n\n{{ course_info|safe }}" + SIGNATURE,
        )
    return items


def seed_templates(now: datetime | None = None) -> int:
    """Create the template table where it is missing and add the console's templates it lacks."""
    from tqconsole.services.mail.templates import TemplateRow

    now = now or datetime.now()
    TemplateRow.create_table(safe=True)
    have = {n for (n,) in TemplateRow.select(TemplateRow.name).tuples()}
    rows = [
        {
            "name": name,
            "description": "the console's own template",
            "subject": subject,
            "content": content,
            "html_content": "",
            "created": now,
            "last_updated": now,
            "default_template": None,
            "language": "",
        }
        for name, (subject, content) in console_templates().items()
        if name not in have
    ]
    if rows:
        TemplateRow.insert_many(rows).execute()
    return len(rows)


def init_hook(backends) -> list[str]:
    """``init``'s hook: the console's templates on a database the site did not migrate
    (the site's own database keeps its table as the site left it)."""
    from tqconsole.services.db.schema import SITE_MARKER

    if SITE_MARKER in backends.database.get_tables():
        return []
    added = seed_templates()
    return [f"{added} mail templates added"] if added else []
