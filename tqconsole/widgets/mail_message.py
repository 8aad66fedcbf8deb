"""The compose form's blocking work: a template's message, and a draft made ready to send.

Plain functions of the backends (no Textual), run in the screen's workers.
"""

from __future__ import annotations

PREVIEWED = 3  # recipients of a bulk job whose message the preview shows


def render_template(backends, name: str, ref: str):
    """The draft template ``name`` makes for the record ``ref`` (TABLE/PK)."""
    from tqconsole.services.mail.compose import Draft
    from tqconsole.services.mail.templates import load_record, recipient, render

    record = load_record(ref)
    subject, body = render(name, record, backends.get("email"))
    return Draft(to=recipient(record), subject=subject, body=body)


def prepare(backends, draft, query: str):
    """The message (for one) or the recipients and a sample (for a query).

    (recipients or None, the first message, the preview text, earlier jobs of the query)
    """
    from dataclasses import replace

    from tqconsole.errors import InvalidInput
    from tqconsole.services.mail.bulk import check_draft, earlier_jobs, recipients_from_query
    from tqconsole.services.mail.compose import BucketStorages, body_preview, build, preview
    from tqconsole.services.mail.templates import fill

    connection = backends.get("email")
    if not query:
        message = build(draft, connection, BucketStorages(backends))
        return None, message, preview(message) + "\n\n" + body_preview(message), []
    recipients = recipients_from_query(query, connection)
    if not recipients:
        raise InvalidInput(f"query {query!r} names no recipient with an email address")
    check_draft(draft, recipients)
    samples = []
    for recipient in recipients[:PREVIEWED]:
        sample = replace(
            draft,
            to=recipient.address,
            cc="",
            bcc="",
            subject=fill(draft.subject, recipient.context),
            body=fill(draft.body, recipient.context),
        )
        try:
            samples.append(build(sample, connection, BucketStorages(backends)))
        except InvalidInput as exc:
            raise InvalidInput(f"{recipient.record or recipient.address}: {exc}") from None
    text = [
        f"bulk job: {len(recipients)} messages, one per recipient of the query "
        "(To, Cc and Bcc are not used); the first:\n",
        preview(samples[0]),
    ]
    for n, message in enumerate(samples, 1):
        text += ["", f"=== {n} of {len(recipients)}: {message.to[0]}"]
        text += [f"Subject: {message.subject}", body_preview(message)]
    return recipients, samples[0], "\n".join(text), earlier_jobs(query, draft)
