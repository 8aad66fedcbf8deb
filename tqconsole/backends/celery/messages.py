"""Kombu's message envelope, read as data: never the site's code, never pickle.

Kombu's Redis transport stores each message as a JSON envelope (``body``,
``content-type``, ``headers``, ``properties``).  Celery's protocol 2 puts the
task name, id, eta, retries… in the headers and ``[args, kwargs, embed]`` in the
body; protocol 1 puts everything in the body.  A body is decoded only when its
content type is JSON; pickle, yaml and anything else is listed as such.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import asdict, dataclass
from typing import Any

JSON_TYPE = "application/json"
NOT_KOMBU = "(not a kombu message)"
# The task name of a protocol-2 envelope, without parsing the rest (group-by-task).
TASK_HEADER = re.compile(rb'"task": ?"([^"\\]{1,250})"')


@dataclass
class Message:
    """One broker message as the console shows it; ``problem`` says why a part is missing."""

    position: int
    task: str
    id: str = ""
    args: Any = None
    kwargs: Any = None
    eta: str | None = None
    expires: str | None = None
    retries: int | None = None
    periodic_task_name: str | None = None
    content_type: str = ""
    queue: str = ""
    size: int = 0
    problem: str = ""
    reserved_at: float | None = None  # unacked messages: when a worker took it (epoch)
    delivery_tag: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def task_name(raw: bytes) -> str:
    """The task name of a raw message for counting: the header when it is plain,
    else the full decode's answer (protocol 1, escapes, not kombu)."""
    match = TASK_HEADER.search(raw)
    if match:
        return match.group(1).decode("utf-8", "replace")
    return decode(raw).task


def decode(raw: bytes, position: int = 0) -> Message:
    size = len(raw)
    try:
        envelope = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        envelope = None
    if not isinstance(envelope, dict) or "body" not in envelope:
        return Message(position, NOT_KOMBU, size=size, problem="not a kombu JSON envelope")
    headers = envelope.get("headers") if isinstance(envelope.get("headers"), dict) else {}
    props = envelope.get("properties") if isinstance(envelope.get("properties"), dict) else {}
    content_type = str(envelope.get("content-type") or "")
    msg = Message(
        position,
        task=str(headers.get("task") or ""),
        id=str(headers.get("id") or props.get("correlation_id") or ""),
        eta=headers.get("eta"),
        expires=headers.get("expires"),
        retries=headers.get("retries"),
        periodic_task_name=headers.get("periodic_task_name"),
        content_type=content_type,
        size=size,
        delivery_tag=str(props.get("delivery_tag") or ""),
    )
    routing = props.get("delivery_info") if isinstance(props.get("delivery_info"), dict) else {}
    msg.queue = str(routing.get("routing_key") or "")
    if content_type != JSON_TYPE:
        msg.problem = f"{content_type or 'no content type'} body, not decoded"
        msg.task = msg.task or "(unknown task)"
        return msg
    try:
        body = envelope["body"]
        if props.get("body_encoding") == "base64":
            body = base64.b64decode(body, validate=True)
        payload = json.loads(body)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        msg.problem = "body is not JSON"
        msg.task = msg.task or "(unknown task)"
        return msg
    if isinstance(payload, list) and len(payload) >= 2:  # protocol 2
        msg.args, msg.kwargs = payload[0], payload[1]
    elif isinstance(payload, dict) and not msg.task:  # protocol 1
        msg.task = str(payload.get("task") or "")
        msg.id = str(payload.get("id") or msg.id)
        msg.args, msg.kwargs = payload.get("args"), payload.get("kwargs")
        msg.eta, msg.expires = payload.get("eta"), payload.get("expires")
        msg.retries = payload.get("retries")
    else:
        msg.problem = "body is not a Celery task"
    msg.task = msg.task or "(unknown task)"
    return msg
