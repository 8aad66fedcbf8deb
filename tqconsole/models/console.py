"""The console's own tables (prefixed ``tqconsole_``) and the database cache table."""

import peewee as pw

from tqconsole.models.base import BaseModel


class AuditEntry(BaseModel):
    """One write the console made: who (OS user, SSH client), what, to which row."""

    app = "console"
    search_fields = ("action", "target_table", "summary", "os_user")
    label_fields = ("action", "target_table", "target_pk")

    at = pw.DateTimeField(index=True)
    os_user = pw.CharField(max_length=64)
    client_addr = pw.CharField(max_length=64, default="local")
    action = pw.CharField(max_length=64, index=True)
    target_table = pw.CharField(max_length=64, default="")
    target_pk = pw.CharField(max_length=64, default="")
    summary = pw.TextField(default="")

    class Meta:
        table_name = "tqconsole_auditentry"


class CacheExpiresField(pw.DateTimeField):
    """Django's ``expires`` column: ``timestamp with time zone`` on PostgreSQL, as Django makes it."""

    def ddl_datatype(self, ctx):
        if ctx and ctx.state.field_types and ctx.state.field_types.get("DATETIME") == "TIMESTAMP":
            return pw.SQL("timestamp with time zone")
        return super().ddl_datatype(ctx)


class CacheEntry(BaseModel):
    """Django's database cache table layout (``createcachetable``)."""

    app = "console"
    search_fields = ("cache_key",)
    label_fields = ("cache_key",)

    cache_key = pw.CharField(max_length=255, primary_key=True)
    value = pw.TextField()
    expires = CacheExpiresField(index=True)

    class Meta:
        table_name = "tq_cache_table"
