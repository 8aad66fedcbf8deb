"""Peewee models of the TQ schema and the console's own tables.

``APPS`` groups the models as the navigator shows them; ``by_table`` finds a
model by its table name.  ``bind(db)`` points every model at a database.
"""

from __future__ import annotations

from tqconsole.models.auth import Group, User, UserGroup
from tqconsole.models.base import BaseModel, database
from tqconsole.models.console import AuditEntry, CacheEntry
from tqconsole.models.courses import (
    Confirmation,
    Course,
    CourseType,
    CourseTypeStyle,
    CourseTypeTranslation,
    IrregularLesson,
    LessonDetails,
    LessonOccurrence,
    LessonOccurrenceTeach,
    Offering,
    OfferingTranslation,
    Period,
    PriceReduction,
    RegularLesson,
    RegularLessonException,
    Rejection,
    Room,
    RoomTranslation,
    Style,
    StyleTranslation,
    Subscribe,
    Teach,
    TeacherWelcome,
    UserProfile,
    Voucher,
    VoucherPurpose,
)
from tqconsole.models.events import (
    Event,
    EventCategory,
    EventCategoryTranslation,
    EventRegistration,
    EventTranslation,
)
from tqconsole.models.mail import (
    Attachment,
    AttachmentEmail,
    Email,
    EmailTemplate,
    Log,
    OutboxEntry,
)
from tqconsole.models.payment import (
    CoursePayment,
    FinanceFile,
    Payment,
    PaymentReminder,
    PayrexxGateway,
    SubscriptionPayment,
)
from tqconsole.models.tasks import ConsumerBeat, TaskRecord

APPS: dict[str, list[type[BaseModel]]] = {
    "auth": [User, Group, UserGroup],
    "courses": [
        UserProfile,
        Period,
        Offering,
        OfferingTranslation,
        Style,
        StyleTranslation,
        Room,
        RoomTranslation,
        CourseType,
        CourseTypeTranslation,
        CourseTypeStyle,
        Course,
        Subscribe,
        Teach,
        TeacherWelcome,
        RegularLesson,
        LessonDetails,
        RegularLessonException,
        IrregularLesson,
        LessonOccurrence,
        LessonOccurrenceTeach,
        Confirmation,
        Rejection,
        VoucherPurpose,
        Voucher,
        PriceReduction,
    ],
    "payment": [
        FinanceFile,
        Payment,
        SubscriptionPayment,
        PaymentReminder,
        CoursePayment,
        PayrexxGateway,
    ],
    "events": [
        EventCategory,
        EventCategoryTranslation,
        Event,
        EventTranslation,
        EventRegistration,
    ],
    "mail": [EmailTemplate, Email, Log, Attachment, AttachmentEmail],
    "console": [AuditEntry, CacheEntry, OutboxEntry, TaskRecord, ConsumerBeat],
}

ALL_MODELS: list[type[BaseModel]] = [m for models in APPS.values() for m in models]
_BY_TABLE = {m._meta.table_name: m for m in ALL_MODELS}


def by_table(table: str) -> type[BaseModel] | None:
    return _BY_TABLE.get(table)


def is_console_table(table: str) -> bool:
    """The console's own tables: the only ones ``init`` creates in the site's database."""
    return table.startswith("tqconsole_")


def bind(db) -> None:
    database.initialize(db)


__all__ = [
    "EventTranslation",
    "EventCategoryTranslation",
    "StyleTranslation",
    "RoomTranslation",
    "OfferingTranslation",
    "CourseTypeTranslation",
    "CourseTypeStyle",
    "APPS",
    "ALL_MODELS",
    "AuditEntry",
    "BaseModel",
    "CacheEntry",
    "ConsumerBeat",
    "Confirmation",
    "Course",
    "CourseType",
    "Email",
    "EmailTemplate",
    "Log",
    "Attachment",
    "AttachmentEmail",
    "OutboxEntry",
    "Event",
    "EventCategory",
    "EventRegistration",
    "FinanceFile",
    "Group",
    "Offering",
    "Payment",
    "PaymentReminder",
    "Period",
    "PriceReduction",
    "Rejection",
    "Room",
    "Style",
    "Subscribe",
    "SubscriptionPayment",
    "TaskRecord",
    "Teach",
    "User",
    "UserGroup",
    "UserProfile",
    "Voucher",
    "VoucherPurpose",
    "CoursePayment",
    "PayrexxGateway",
    "TeacherWelcome",
    "RegularLesson",
    "RegularLessonException",
    "IrregularLesson",
    "LessonDetails",
    "LessonOccurrence",
    "LessonOccurrenceTeach",
    "bind",
    "by_table",
    "database",
]
