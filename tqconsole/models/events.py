"""The events app of the TQ site: parties and workshops with registrations."""

import peewee as pw

from tqconsole.models.auth import User
from tqconsole.models.base import BaseModel
from tqconsole.models.courses import Room


class EventCategory(BaseModel):
    app = "events"
    search_fields = ("name",)
    label_fields = ("name",)

    name = pw.CharField(max_length=255, unique=True)

    class Meta:
        table_name = "events_eventcategory"


class Event(BaseModel):
    app = "events"
    search_fields = ("name",)
    label_fields = ("name",)

    name = pw.CharField(max_length=255)
    date = pw.DateField(index=True)
    time_from = pw.TimeField(null=True)
    time_to = pw.TimeField(null=True)
    room = pw.ForeignKeyField(Room, null=True, backref="events", on_delete="RESTRICT")
    category = pw.ForeignKeyField(EventCategory, null=True, backref="events", on_delete="SET NULL")
    price_with_legi = pw.FloatField(null=True)
    price_without_legi = pw.FloatField(null=True)
    max_participants = pw.IntegerField(null=True)
    registration_enabled = pw.BooleanField(default=False)
    display = pw.BooleanField(default=True)

    class Meta:
        table_name = "events_event"


class EventRegistration(BaseModel):
    app = "events"
    event = pw.ForeignKeyField(Event, backref="registrations", on_delete="CASCADE")
    user = pw.ForeignKeyField(User, backref="event_registrations", on_delete="CASCADE")
    date = pw.DateTimeField()

    class Meta:
        table_name = "events_eventregistration"
        indexes = ((("event", "user"), True),)
