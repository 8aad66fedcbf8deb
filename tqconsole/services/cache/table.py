"""``tqconsole createcachetable``: Django's cache table, created where missing.

The DDL comes from the ``CacheEntry`` model (Django's layout: cache_key
varchar(255) primary key, value text, expires timestamp — with time zone on
PostgreSQL — and the ``<table>_expires`` index), so ``init`` and this command
create the same table.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from tqconsole.errors import ReadOnlyError
from tqconsole.models import AuditEntry, CacheEntry, database
from tqconsole.services.db.audit import audited


def cache_model(table: str):
    """The CacheEntry model, for ``table`` when the cache uses another table name."""
    if table == CacheEntry._meta.table_name:
        return CacheEntry

    class Meta:
        table_name = table

    return type(f"CacheEntry_{table}", (CacheEntry,), {"Meta": Meta, "__module__": __name__})


def configured_table(settings) -> str | None:
    """The table of a ``db://TABLE`` cache URL, None for other caches."""
    url = settings.url("cache")
    if not url.startswith("db:"):
        return None
    parts = urlsplit(url)
    return (parts.netloc + parts.path).strip("/") or CacheEntry._meta.table_name


def statements(model, table_missing: bool = True, index_missing: bool = True) -> list[str]:
    out = []
    if table_missing:
        out.append(model._schema._create_table(safe=False).query()[0] + ";")
    if index_missing:
        out += [ctx.query()[0] + ";" for ctx in model._schema._create_indexes(safe=False)]
    return out


def has_expires_index(db, table: str) -> bool:
    return any(index.columns == ["expires"] for index in db.get_indexes(table))


def create_cache_table(
    backends, tables: list[str] | None = None, dry_run: bool = False
) -> list[str]:
    """Create each cache table (and its expires index) where missing; report what happened.

    With ``dry_run`` the DDL is returned and nothing is created, as Django's ``--dry-run``.
    """
    db = backends.database
    if tables is None:
        table = configured_table(backends.settings)
        tables = [table] if table else []
        if not tables:
            return [f"the cache ({backends.settings.masked('cache')}) is not a database cache"]
    lines: list[str] = []
    existing = set(db.get_tables())
    for table in tables:
        model = cache_model(table)
        missing_table = table not in existing
        missing_index = missing_table or not has_expires_index(db, table)
        if not missing_table and not missing_index:
            lines.append(f"Cache table '{table}' already exists.")
            continue
        ddl = statements(model, missing_table, missing_index)
        if dry_run:
            lines.extend(ddl)
            continue
        if backends.settings.read_only:
            raise ReadOnlyError(f"read-only mode: creating cache table {table!r} refused")
        # Like Django's command, this works on a database without the console's tables;
        # the audit entry is written when the audit log exists.
        audit_log = AuditEntry._meta.table_name in existing
        with (
            audited("createcachetable", table, summary={"ddl": ddl})
            if audit_log
            else database.atomic()
        ):
            for sql in ddl:
                database.execute_sql(sql.rstrip(";"))
        lines.append(
            f"Cache table '{table}' created."
            if missing_table
            else f"Cache table '{table}': index on expires created."
        )
    return lines


def init_hook(backends) -> list[str]:
    """``tqconsole init``: the configured cache table when it is not the default one."""
    table = configured_table(backends.settings)
    if not table or table == CacheEntry._meta.table_name:
        return []
    return [line for line in create_cache_table(backends, [table]) if "created" in line]
