"""The site's Celery tables: django-celery-results' task results and
django-celery-beat's schedules, column for column as the site's migrations make them."""

import peewee as pw

from tqconsole.models.base import BaseModel, ZonedDateTimeField


class TaskResult(BaseModel):
    """One task's outcome; ``task_name``/``task_args`` are NULL unless the site sets
    ``result_extended`` (the real site does not)."""

    app = "celery"
    search_fields = ("task_id", "task_name", "status")
    label_fields = ("task_name", "task_id")

    task_id = pw.CharField(max_length=255, unique=True)
    status = pw.CharField(max_length=50, index=True)
    content_type = pw.CharField(max_length=128)
    content_encoding = pw.CharField(max_length=64)
    result = pw.TextField(null=True)
    date_done = ZonedDateTimeField(index=True)
    traceback = pw.TextField(null=True)
    meta = pw.TextField(null=True)
    task_args = pw.TextField(null=True)
    task_kwargs = pw.TextField(null=True)
    task_name = pw.CharField(max_length=255, null=True, index=True)
    worker = pw.CharField(max_length=100, null=True)
    date_created = ZonedDateTimeField(index=True)
    periodic_task_name = pw.CharField(max_length=255, null=True)
    date_started = ZonedDateTimeField(null=True)

    class Meta:
        table_name = "django_celery_results_taskresult"


class IntervalSchedule(BaseModel):
    app = "celery"
    label_fields = ("every", "period")

    every = pw.IntegerField()
    period = pw.CharField(max_length=24)

    class Meta:
        table_name = "django_celery_beat_intervalschedule"


class CrontabSchedule(BaseModel):
    app = "celery"
    label_fields = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")

    minute = pw.CharField(max_length=240)
    hour = pw.CharField(max_length=96)
    day_of_week = pw.CharField(max_length=64)
    day_of_month = pw.CharField(max_length=124)
    month_of_year = pw.CharField(max_length=64)
    timezone = pw.CharField(max_length=63)

    class Meta:
        table_name = "django_celery_beat_crontabschedule"


class ClockedSchedule(BaseModel):
    app = "celery"
    label_fields = ("clocked_time",)

    clocked_time = ZonedDateTimeField()

    class Meta:
        table_name = "django_celery_beat_clockedschedule"


class SolarSchedule(BaseModel):
    app = "celery"
    label_fields = ("event",)

    event = pw.CharField(max_length=24)
    latitude = pw.DecimalField(max_digits=9, decimal_places=6)
    longitude = pw.DecimalField(max_digits=9, decimal_places=6)

    class Meta:
        table_name = "django_celery_beat_solarschedule"


class PeriodicTask(BaseModel):
    """A beat entry; exactly one of interval, crontab, solar, clocked is set."""

    app = "celery"
    search_fields = ("name", "task")
    label_fields = ("name",)

    name = pw.CharField(max_length=200, unique=True)
    task = pw.CharField(max_length=200)
    args = pw.TextField()
    kwargs = pw.TextField()
    queue = pw.CharField(max_length=200, null=True)
    exchange = pw.CharField(max_length=200, null=True)
    routing_key = pw.CharField(max_length=200, null=True)
    expires = ZonedDateTimeField(null=True)
    enabled = pw.BooleanField()
    last_run_at = ZonedDateTimeField(null=True)
    total_run_count = pw.IntegerField()
    date_changed = ZonedDateTimeField()
    description = pw.TextField()
    crontab = pw.ForeignKeyField(CrontabSchedule, null=True, column_name="crontab_id")
    interval = pw.ForeignKeyField(IntervalSchedule, null=True, column_name="interval_id")
    solar = pw.ForeignKeyField(SolarSchedule, null=True, column_name="solar_id")
    one_off = pw.BooleanField()
    start_time = ZonedDateTimeField(null=True)
    priority = pw.IntegerField(null=True)
    headers = pw.TextField()
    clocked = pw.ForeignKeyField(ClockedSchedule, null=True, column_name="clocked_id")
    expire_seconds = pw.IntegerField(null=True)

    class Meta:
        table_name = "django_celery_beat_periodictask"


class PeriodicTasks(BaseModel):
    """The beat's change marker: the DatabaseScheduler re-reads the schedule when
    ``last_update`` moves, so every change of a PeriodicTask must touch it."""

    app = "celery"

    ident = pw.SmallIntegerField(primary_key=True)
    last_update = ZonedDateTimeField()

    class Meta:
        table_name = "django_celery_beat_periodictasks"


CELERY_MODELS = [
    TaskResult,
    IntervalSchedule,
    CrontabSchedule,
    ClockedSchedule,
    SolarSchedule,
    PeriodicTask,
    PeriodicTasks,
]
