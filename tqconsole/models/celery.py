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

    task_id = pw.CharField(max_length=255, unique=True, verbose_name="Task ID")
    status = pw.CharField(max_length=50, index=True, verbose_name="Task State")
    content_type = pw.CharField(max_length=128, verbose_name="Result Content Type")
    content_encoding = pw.CharField(max_length=64, verbose_name="Result Encoding")
    result = pw.TextField(null=True, verbose_name="Result Data")
    date_done = ZonedDateTimeField(index=True, verbose_name="Completed DateTime")
    traceback = pw.TextField(null=True, verbose_name="Traceback")
    meta = pw.TextField(null=True, verbose_name="Task Meta Information")
    task_args = pw.TextField(null=True, verbose_name="Task Positional Arguments")
    task_kwargs = pw.TextField(null=True, verbose_name="Task Named Arguments")
    task_name = pw.CharField(max_length=255, null=True, index=True, verbose_name="Task Name")
    worker = pw.CharField(max_length=100, null=True, verbose_name="Worker")
    date_created = ZonedDateTimeField(index=True, verbose_name="Created DateTime")
    periodic_task_name = pw.CharField(max_length=255, null=True, verbose_name="Periodic Task Name")
    date_started = ZonedDateTimeField(null=True, verbose_name="Started DateTime")

    class Meta:
        table_name = "django_celery_results_taskresult"
        verbose_name = "task result"
        verbose_name_plural = "task results"


class IntervalSchedule(BaseModel):
    app = "celery"
    label_fields = ("every", "period")

    every = pw.IntegerField(verbose_name="Number of Periods")
    period = pw.CharField(max_length=24, verbose_name="Interval Period")

    class Meta:
        table_name = "django_celery_beat_intervalschedule"
        verbose_name = "interval"
        verbose_name_plural = "intervals"


class CrontabSchedule(BaseModel):
    app = "celery"
    label_fields = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")

    minute = pw.CharField(max_length=240, verbose_name="Minute(s)")
    hour = pw.CharField(max_length=96, verbose_name="Hour(s)")
    day_of_week = pw.CharField(max_length=64, verbose_name="Day(s) Of The Week")
    day_of_month = pw.CharField(max_length=124, verbose_name="Day(s) Of The Month")
    month_of_year = pw.CharField(max_length=64, verbose_name="Month(s) Of The Year")
    timezone = pw.CharField(max_length=63, verbose_name="Cron Timezone")

    class Meta:
        table_name = "django_celery_beat_crontabschedule"
        verbose_name = "crontab"
        verbose_name_plural = "crontabs"


class ClockedSchedule(BaseModel):
    app = "celery"
    label_fields = ("clocked_time",)

    clocked_time = ZonedDateTimeField(verbose_name="Clock Time")

    class Meta:
        table_name = "django_celery_beat_clockedschedule"
        verbose_name = "clocked"
        verbose_name_plural = "clocked"


class SolarSchedule(BaseModel):
    app = "celery"
    label_fields = ("event",)

    event = pw.CharField(max_length=24, verbose_name="Solar Event")
    latitude = pw.DecimalField(max_digits=9, decimal_places=6, verbose_name="Latitude")
    longitude = pw.DecimalField(max_digits=9, decimal_places=6, verbose_name="Longitude")

    class Meta:
        table_name = "django_celery_beat_solarschedule"
        verbose_name = "solar event"
        verbose_name_plural = "solar events"


class PeriodicTask(BaseModel):
    """A beat entry; exactly one of interval, crontab, solar, clocked is set."""

    app = "celery"
    search_fields = ("name", "task")
    label_fields = ("name",)

    name = pw.CharField(max_length=200, unique=True, verbose_name="Name")
    task = pw.CharField(max_length=200, verbose_name="Task Name")
    args = pw.TextField(verbose_name="Positional Arguments")
    kwargs = pw.TextField(verbose_name="Keyword Arguments")
    queue = pw.CharField(max_length=200, null=True, verbose_name="Queue Override")
    exchange = pw.CharField(max_length=200, null=True, verbose_name="Exchange")
    routing_key = pw.CharField(max_length=200, null=True, verbose_name="Routing Key")
    expires = ZonedDateTimeField(null=True, verbose_name="Expires Datetime")
    enabled = pw.BooleanField(verbose_name="Enabled")
    last_run_at = ZonedDateTimeField(null=True, verbose_name="Last Run Datetime")
    total_run_count = pw.IntegerField(verbose_name="Total Run Count")
    date_changed = ZonedDateTimeField(verbose_name="Last Modified")
    description = pw.TextField(verbose_name="Description")
    crontab = pw.ForeignKeyField(
        CrontabSchedule, null=True, column_name="crontab_id", verbose_name="Crontab Schedule"
    )
    interval = pw.ForeignKeyField(
        IntervalSchedule, null=True, column_name="interval_id", verbose_name="Interval Schedule"
    )
    solar = pw.ForeignKeyField(
        SolarSchedule, null=True, column_name="solar_id", verbose_name="Solar Schedule"
    )
    one_off = pw.BooleanField(verbose_name="One-off Task")
    start_time = ZonedDateTimeField(null=True, verbose_name="Start Datetime")
    priority = pw.IntegerField(null=True, verbose_name="Priority")
    headers = pw.TextField(verbose_name="AMQP Message Headers")
    clocked = pw.ForeignKeyField(
        ClockedSchedule, null=True, column_name="clocked_id", verbose_name="Clocked Schedule"
    )
    expire_seconds = pw.IntegerField(null=True, verbose_name="Expires timedelta with seconds")

    class Meta:
        table_name = "django_celery_beat_periodictask"
        verbose_name = "periodic task"
        verbose_name_plural = "periodic tasks"


class PeriodicTasks(BaseModel):
    """The beat's change marker: the DatabaseScheduler re-reads the schedule when
    ``last_update`` moves, so every change of a PeriodicTask must touch it."""

    app = "celery"

    ident = pw.SmallIntegerField(primary_key=True)
    last_update = ZonedDateTimeField()

    class Meta:
        table_name = "django_celery_beat_periodictasks"
        verbose_name = "periodic task track"
        verbose_name_plural = "periodic task tracks"


CELERY_MODELS = [
    TaskResult,
    IntervalSchedule,
    CrontabSchedule,
    ClockedSchedule,
    SolarSchedule,
    PeriodicTask,
    PeriodicTasks,
]
