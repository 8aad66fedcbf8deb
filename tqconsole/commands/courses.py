"""``tqconsole courses``: places, waiting list and participants of courses (the course admins').

``places`` lists accepted / max, new, waiting list, free places and lead / follow
(the list's column in the TUI); ``confirm-waiting`` admits and confirms a course's
waiting list (``W`` on a course); ``export`` writes its participants into the
exports folder of the data dir (``P``), never over an existing file without
``--overwrite``.
"""

from __future__ import annotations

import sys

from tqconsole.commands.output import add_json_flag, confirm, print_json, print_records


def register(sub) -> None:
    courses = sub.add_parser("courses", help="places, waiting lists and participants of courses")
    csub = courses.add_subparsers(dest="courses_command", metavar="ACTION", required=True)
    p = csub.add_parser("places", help="accepted / max, waiting list, free places, lead / follow")
    p.add_argument("course", nargs="*", type=int, help="course ids (default: every course)")
    add_json_flag(p)
    p.set_defaults(func=cmd_places)
    p = csub.add_parser("confirm-waiting", help="admit and confirm a course's waiting list")
    p.add_argument("course", type=int)
    p.add_argument("--allow-singles", action="store_true", help="also singles in couple courses")
    p.add_argument("--user", help="staff username recorded in the site's history")
    p.add_argument("--yes", action="store_true", help="do not ask")
    add_json_flag(p)
    p.set_defaults(func=cmd_confirm_waiting)
    p = csub.add_parser("export", help="write a course's participants to <data dir>/exports")
    p.add_argument("course", type=int)
    p.add_argument("--overwrite", action="store_true", help="replace an existing export")
    p.set_defaults(func=cmd_export)


def cmd_places(ctx) -> int:
    from tqconsole.models import Course
    from tqconsole.services.courses.places import places_of

    ctx.backends.database  # noqa: B018 - binds the models
    ids = ctx.args.course or [c for (c,) in Course.select(Course.id).order_by(Course.id).tuples()]
    places = places_of(ids)
    missing = [str(i) for i in ids if i not in places]
    if missing:
        print(f"tqconsole: no course {', '.join(missing)}", file=sys.stderr)
    print_records(
        ctx.args.json,
        [places[i] for i in ids if i in places],
        ("id", "course", "accepted", "max", "new", "waiting", "free", "lead", "follow"),
        lambda p: (
            p.course,
            p.name,
            p.accepted,
            "–" if p.limit is None else p.limit,
            p.admitted - p.accepted,
            p.waiting,
            "–" if p.free is None else p.free,
            p.lead if p.couple else "",
            p.follow if p.couple else "",
        ),
    )
    return 1 if missing else 0


def cmd_confirm_waiting(ctx) -> int:
    from tqconsole.services.courses.places import (
        confirm_waiting_list,
        course_places,
        waiting_list_ids,
    )

    ctx.backends.database  # noqa: B018 - binds the models
    places = course_places(ctx.args.course)
    taken, left = waiting_list_ids(ctx.args.course, ctx.args.allow_singles)
    for usi, why in left:
        print(f"{usi}  stays on the waiting list: {why}", file=sys.stderr)
    if not taken:
        print(f"{places.name}: nobody to confirm on the waiting list")
        return 1 if left else 0
    over = ""
    if places.limit is not None and places.admitted + len(taken) > places.limit:
        over = f" — over the maximum: {places.admitted + len(taken)} of max {places.limit}"
    confirm(
        f"admit and confirm {len(taken)} of the waiting list of {places.name}{over}?", ctx.args.yes
    )
    run = confirm_waiting_list(
        ctx.args.course,
        user=ctx.args.user,
        mail=ctx.backends.get("email"),
        allow_singles=ctx.args.allow_singles,
    )
    confirmed = run.confirmed.done if run.confirmed else []
    skipped = [*run.admitted.skipped, *(run.confirmed.skipped if run.confirmed else [])]
    warnings = [*run.admitted.warnings, *(run.confirmed.warnings if run.confirmed else [])]
    if ctx.args.json:
        print_json(
            {
                "confirmed": [{"usi": s.usi, "state": s.state} for s in confirmed],
                "skipped": [{"usi": u, "why": w} for u, w in skipped],
                "left": [{"usi": u, "why": w} for u, w in left],
                "warnings": warnings,
            }
        )
    else:
        print(run.summary())
    for warning in warnings:
        print(f"tqconsole: {warning}", file=sys.stderr)
    return 0 if confirmed and not warnings else 1


def cmd_export(ctx) -> int:
    from tqconsole.errors import InvalidInput
    from tqconsole.services.courses.participants_export import export_file
    from tqconsole.services.db.export import EXISTS

    ctx.backends.database  # noqa: B018 - binds the models
    try:
        path = export_file(ctx.settings.data_dir, ctx.args.course, ctx.args.overwrite)
    except InvalidInput as exc:
        if str(exc).startswith(EXISTS):
            raise InvalidInput(f"{exc}; --overwrite replaces it") from None
        raise
    print(f"participants of course {ctx.args.course} written to {path}")
    return 0
