"""``tqconsole db``: tables of the database, their rows, exports."""

from __future__ import annotations

import sys

from tqconsole.commands.output import add_json_flag, print_json, print_table


def register(sub) -> None:
    db = sub.add_parser("db", help="database tables and rows")
    dbsub = db.add_subparsers(dest="db_command", metavar="COMMAND", required=True)
    p = dbsub.add_parser("tables", help="every table with its model and row count")
    add_json_flag(p)
    p.set_defaults(func=cmd_tables)

    p = dbsub.add_parser(
        "show",
        help="rows of a table (filter language as in the TUI's /)",
        description="Filter: " + filter_help(),
    )
    p.add_argument("table")
    p.add_argument("--filter", default="", metavar="EXPR", help="e.g. 'state=confirmed'")
    p.add_argument("--sort", default="", metavar="COL", help="sort column; -COL for descending")
    p.add_argument("--limit", type=int, default=50, metavar="N", help="rows to show (default 50)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--json", action="store_true", help="print one JSON document")
    group.add_argument("--csv", action="store_true", help="print CSV")
    p.set_defaults(func=cmd_show)

    p = dbsub.add_parser("export", help="every row of a (filtered) table to a CSV or JSON file")
    p.add_argument("table")
    p.add_argument("file", help="target file (.csv or .json); - for stdout")
    p.add_argument("--filter", default="", metavar="EXPR")
    p.add_argument("--sort", default="", metavar="COL|-COL")
    p.add_argument("--format", choices=("csv", "json"), help="default: from the file name")
    p.set_defaults(func=cmd_export)

    p = dbsub.add_parser("participants", help="CSV of a course's accepted participants")
    p.add_argument("course", type=int, help="course id")
    p.add_argument("file", nargs="?", default="-", help="target file (default stdout)")
    p.set_defaults(func=cmd_participants)


def filter_help() -> str:
    # a summary of services/db/filter_language.py, kept here so --help imports no peewee
    return "state=confirmed, amount>=20, name~salsa, state in (new,waiting_list), x is null, course.name~salsa, a or b, bare words search"


def build_query(ctx):
    from tqconsole.services.db.table_query import TableQuery

    return TableQuery.build(ctx.backends.database, ctx.args.table, ctx.args.filter, ctx.args.sort)


def cmd_tables(ctx) -> int:
    from tqconsole.services.db.tables import list_tables

    tables = list_tables(ctx.backends.database)
    if ctx.args.json:
        print_json([t.as_dict() for t in tables])
    else:
        print_table(
            ((t.name, t.model, t.app, t.rows_text) for t in tables),
            ("table", "model", "app", "rows"),
        )
    return 0


def cmd_show(ctx) -> int:
    from tqconsole.errors import InvalidInput

    args = ctx.args
    if args.limit < 1:
        raise InvalidInput("--limit must be at least 1")
    query = build_query(ctx)
    rows = query.page(limit=args.limit)  # a missing table fails here, with its own message
    for note in query.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.json or args.csv:
        from tqconsole.services.db.export import export

        export(OnePage(query, rows), sys.stdout, "json" if args.json else "csv")
        return 0
    print_table((row.cells for row in query.rows(rows)), query.headers)
    return 0


class OnePage:
    """A TableQuery limited to rows already read (what ``show --json/--csv`` prints)."""

    def __init__(self, query, rows):
        self.fields = query.fields
        self.rows = rows

    def iter_pages(self):
        yield self.rows


def cmd_export(ctx) -> int:
    from tqconsole.services.db.export import export, format_for

    args = ctx.args
    fmt = format_for(args.file, args.format or ("csv" if args.file == "-" else None))
    query = build_query(ctx)
    if args.file == "-":
        export(query, sys.stdout, fmt)
        return 0
    with open(args.file, "w", newline="", encoding="utf-8") as out:
        n = export(query, out, fmt)
    print(f"exported {n:,} rows of {args.table} to {args.file}", file=sys.stderr)
    return 0


def cmd_participants(ctx) -> int:
    from tqconsole.services.db.export import course_participants

    ctx.backends.database  # noqa: B018 - binds the models
    if ctx.args.file == "-":
        course_participants(ctx.args.course, sys.stdout)
        return 0
    with open(ctx.args.file, "w", newline="", encoding="utf-8") as out:
        n = course_participants(ctx.args.course, out)
    print(f"exported {n} participants to {ctx.args.file}", file=sys.stderr)
    return 0
