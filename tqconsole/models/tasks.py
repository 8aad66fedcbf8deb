"""The console's task tables: each task's state and timeline, and consumer heartbeats.

Written by the recorder (``services/tasks/recorder.py``) in producers and
consumers, so the history survives restarts of either.
"""

import peewee as pw

from tqconsole.models.base import BaseModel


class TaskRecord(BaseModel):
    """One task id: its latest state, where it ran, its error, its message (for retry).

    ``timeline`` holds every event of the task, one tab-separated line each
    (time, event, host:pid, worker, duration, error): appended by one upsert per
    task and flush, which costs the workers far less than a row per event.
    """

    app = "console"
    search_fields = ("name", "args", "error")
    label_fields = ("name", "state")

    task_id = pw.CharField(max_length=64, primary_key=True)
    queue = pw.CharField(max_length=64, default="")
    name = pw.CharField(max_length=200)
    state = pw.CharField(max_length=20, index=True)
    updated_at = pw.DateTimeField(index=True)
    enqueued_at = pw.DateTimeField(null=True)
    started_at = pw.DateTimeField(null=True)
    finished_at = pw.DateTimeField(null=True)
    minute = pw.IntegerField(null=True)  # epoch minute it finished (sparklines)
    duration = pw.FloatField(null=True)
    consumer = pw.CharField(max_length=32, null=True)
    host = pw.CharField(max_length=100, null=True)
    pid = pw.IntegerField(null=True)
    worker = pw.CharField(max_length=40, null=True)
    retries = pw.IntegerField(null=True)
    args = pw.TextField(null=True)
    error = pw.TextField(null=True)
    traceback = pw.TextField(null=True)
    message = pw.BlobField(null=True)
    timeline = pw.TextField(null=True)

    class Meta:
        table_name = "tqconsole_task"


class ConsumerBeat(BaseModel):
    """A consumer's last heartbeat; alive while ``beat_at + 2 × interval`` is in the future."""

    app = "console"
    search_fields = ("host",)
    label_fields = ("host", "pid")

    consumer_id = pw.CharField(max_length=32, primary_key=True)
    queue = pw.CharField(max_length=64, default="")
    host = pw.CharField(max_length=100)
    pid = pw.IntegerField()
    workers = pw.IntegerField()
    worker_type = pw.CharField(max_length=16, default="thread")
    started_at = pw.DateTimeField()
    beat_at = pw.DateTimeField(index=True)
    interval = pw.FloatField()
    tasks_done = pw.IntegerField(default=0)
    stopped_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "tqconsole_consumer"
