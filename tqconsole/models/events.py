"""The events app of the TQ site: parties and workshops with registrations."""

from datetime import datetime

import peewee as pw

from tqconsole.models.auth import User
from tqconsole.models.base import BaseModel, ZonedDateTimeField
from tqconsole.models.courses import Room, money
from tqconsole.models.translations import TranslatedField, TranslationModel, translated


class EventCategory(BaseModel):
    app = "events"
    search_fields = ("name",)
    label_fields = ("name",)

    image = pw.CharField(max_length=100, null=True)
    is_featured = pw.BooleanField(default=False)
    position = pw.SmallIntegerField(default=0, verbose_name="Position")

    class Meta:
        table_name = "events_eventcategory"
        verbose_name_plural = "event categories"


class EventCategoryTranslation(TranslationModel):
    app = "events"
    search_fields = ("name",)
    label_fields = ("name",)

    name = pw.CharField(max_length=255)
    description = pw.TextField(null=True)
    master = pw.ForeignKeyField(
        EventCategory, null=True, backref="translations", on_delete="CASCADE"
    )
    teaser = pw.CharField(max_length=400, null=True)

    class Meta:
        table_name = "events_eventcategory_translation"


class Event(BaseModel):
    app = "events"
    search_fields = ("name",)
    label_fields = ("name",)

    date = pw.DateField(index=True)
    time_from = pw.TimeField(null=True)
    time_to = pw.TimeField(null=True)
    price_with_legi = money(null=True)
    price_without_legi = money(null=True)
    special = pw.BooleanField(default=False)
    room = pw.ForeignKeyField(Room, null=True, backref="events", on_delete="SET NULL")
    display = pw.BooleanField(default=True)
    image = pw.CharField(max_length=100, null=True)
    cancelled = pw.BooleanField(default=False)
    category = pw.ForeignKeyField(EventCategory, null=True, backref="events", on_delete="SET NULL")
    max_participants = pw.IntegerField(null=True)
    registration_enabled = pw.BooleanField(default=False)
    date_to = pw.DateField(null=True)
    show_category_description = pw.BooleanField(default=True)

    class Meta:
        table_name = "events_event"


class EventTranslation(TranslationModel):
    app = "events"
    search_fields = ("name",)
    label_fields = ("name",)

    description = pw.TextField(null=True, verbose_name="[TR] Description")
    master = pw.ForeignKeyField(Event, null=True, backref="translations", on_delete="CASCADE")
    name = pw.CharField(
        max_length=255, verbose_name="[TR] The name of this event (e.g. 'Open Dancing')"
    )
    price_special = pw.CharField(
        max_length=255,
        null=True,
        verbose_name="[TR] Set this only if you want a different price schema.",
    )

    class Meta:
        table_name = "events_event_translation"


class EventRegistration(BaseModel):
    app = "events"
    label_fields = ("timestamp",)
    timestamp = ZonedDateTimeField(default=datetime.now)
    event = pw.ForeignKeyField(Event, backref="registrations", on_delete="RESTRICT")
    user = pw.ForeignKeyField(User, backref="event_registrations", on_delete="RESTRICT")

    class Meta:
        table_name = "events_eventregistration"
        indexes = ((("user", "event"), True),)


translated(EventCategory, EventCategoryTranslation, name=TranslatedField(max_length=255))
translated(Event, EventTranslation, name=TranslatedField(max_length=255))
