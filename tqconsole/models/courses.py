"""The courses app of the TQ site: periods, offerings, courses, subscriptions.

Columns, types, nullability and Django defaults as the site's migrated schema
has them; ``on_delete`` is the site's (Django enforces it, not the database).
Foreign keys to tables the console does not model are plain ids; Django's
``auto_now_add`` is a default of the current date or time.
"""

from datetime import date, datetime

import peewee as pw

from tqconsole.models.auth import User
from tqconsole.models.base import BaseModel, ZonedDateTimeField, plain_id
from tqconsole.models.choices import (
    CourseSubscriptionType,
    LeadFollow,
    MatchingState,
    OfferingType,
    PaymentMethod,
    RejectionReason,
    StudentStatus,
    SubscribeState,
    Weekday,
)
from tqconsole.models.mail import Email
from tqconsole.models.translations import TranslatedField, TranslationModel, translated

USI_ALPHABET = "ABCDEFGHJKMNPQRTUVWXY346789"


def money(**kwargs) -> pw.DecimalField:
    """The site's prices and amounts: ``numeric(6,2)``."""
    return pw.DecimalField(max_digits=6, decimal_places=2, **kwargs)


class UserProfile(BaseModel):
    app = "courses"
    search_fields = ("legi", "phone_number", "display_name")
    label_fields = ("legi",)

    user = pw.ForeignKeyField(User, primary_key=True, backref="profile", on_delete="CASCADE")
    legi = pw.CharField(max_length=16, null=True)
    gender = pw.CharField(max_length=64, null=True)
    phone_number = pw.CharField(max_length=255, null=True)
    student_status = pw.CharField(
        max_length=10, default=StudentStatus.NO, choices=StudentStatus.CHOICES
    )
    newsletter = pw.BooleanField(default=True)
    about_me = pw.TextField(null=True)
    body_height = pw.IntegerField(null=True)
    get_involved = pw.BooleanField(default=False)
    ahv_number = pw.CharField(max_length=255, null=True)
    birthdate = pw.DateField(null=True)
    nationality = pw.CharField(max_length=2, null=True)
    residence_permit = pw.CharField(max_length=30, null=True)
    bank_account = plain_id("bank_account_id", unique=True)
    picture = pw.CharField(max_length=100, null=True)
    language = pw.CharField(max_length=10, default="en")
    zemis_number = pw.CharField(max_length=255, null=True)
    fixed_hourly_wage = money(null=True)
    display_name = pw.CharField(max_length=30, null=True)
    student_validity = pw.DateField(null=True)
    address = plain_id("address_id", unique=True)
    personal_data_sharing = pw.BooleanField(default=False)

    class Meta:
        table_name = "courses_userprofile"

    def has_legi(self) -> bool:
        return bool(self.legi) or self.student_status != StudentStatus.NO


class Period(BaseModel):
    app = "courses"
    search_fields = ("name",)
    label_fields = ("name",)

    date_from = pw.DateField()
    date_to = pw.DateField()
    name = pw.CharField(max_length=50, null=True)

    class Meta:
        table_name = "courses_period"


class Offering(BaseModel):
    app = "courses"
    search_fields = ("name", "title")
    label_fields = ("name",)

    name = pw.CharField(max_length=30, unique=True)
    display = pw.BooleanField(default=False)
    active = pw.BooleanField(default=False)
    period = pw.ForeignKeyField(Period, backref="offerings", on_delete="RESTRICT")
    type = pw.CharField(max_length=3, default=OfferingType.REGULAR, choices=OfferingType.CHOICES)
    preview = pw.BooleanField(default=False)
    group_into_sections = pw.BooleanField(default=True)
    limit_courses_per_section = pw.SmallIntegerField(null=True)
    order = pw.SmallIntegerField(default=10)
    survey = plain_id("survey_id")
    early_signup = pw.BooleanField(default=False)
    early_signup_max_days = pw.SmallIntegerField(
        default=180, verbose_name="Max days for early sign-up"
    )

    class Meta:
        table_name = "courses_offering"


class OfferingTranslation(TranslationModel):
    app = "courses"
    label_fields = ("title",)
    title = pw.CharField(max_length=30, verbose_name="[TR] Title")
    master = pw.ForeignKeyField(Offering, null=True, backref="translations", on_delete="CASCADE")

    class Meta:
        table_name = "courses_offering_translation"


class Style(BaseModel):
    app = "courses"
    search_fields = ("name",)
    label_fields = ("name",)

    name = pw.CharField(max_length=30, unique=True)
    url_info = pw.CharField(max_length=500, null=True)
    url_video = pw.CharField(max_length=500, null=True)
    url_playlist = pw.CharField(max_length=500, null=True)
    filter_enabled = pw.BooleanField(default=False)
    parent_style = pw.ForeignKeyField(
        "self", null=True, backref="children", on_delete="SET NULL", column_name="parent_style_id"
    )

    class Meta:
        table_name = "courses_style"


class StyleTranslation(TranslationModel):
    app = "courses"
    description = pw.TextField(null=True, verbose_name="[TR] Description")
    master = pw.ForeignKeyField(Style, null=True, backref="translations", on_delete="CASCADE")

    class Meta:
        table_name = "courses_style_translation"


class Room(BaseModel):
    app = "courses"
    search_fields = ("name",)
    label_fields = ("name",)

    name = pw.CharField(max_length=128, unique=True)
    url = pw.CharField(max_length=500, null=True)
    contact_info = pw.TextField(null=True)
    address = plain_id("address_id", unique=True)

    class Meta:
        table_name = "courses_room"


class RoomTranslation(TranslationModel):
    app = "courses"
    description = pw.TextField(null=True, verbose_name="[TR] Description")
    master = pw.ForeignKeyField(Room, null=True, backref="translations", on_delete="CASCADE")
    instructions = pw.TextField(null=True, verbose_name="[TR] Instructions")
    disclaimer = pw.TextField(null=True, verbose_name="[TR] Disclaimer")
    information_for_participants = pw.TextField(
        null=True, verbose_name="[TR] Information for participants"
    )

    class Meta:
        table_name = "courses_room_translation"


class CourseType(BaseModel):
    app = "courses"
    search_fields = ("title",)
    label_fields = ("title",)

    level = pw.IntegerField(null=True)
    couple_course = pw.BooleanField(default=True)

    class Meta:
        table_name = "courses_coursetype"


class CourseTypeTranslation(TranslationModel):
    app = "courses"
    search_fields = ("title",)
    label_fields = ("title",)

    description = pw.TextField(null=True, verbose_name="[TR] Description")
    master = pw.ForeignKeyField(CourseType, null=True, backref="translations", on_delete="CASCADE")
    subtitle = pw.CharField(max_length=128, null=True, verbose_name="[TR] Subtitle")
    title = pw.CharField(max_length=64, verbose_name="[TR] Title")
    information_for_participants = pw.TextField(
        null=True, verbose_name="[TR] Information for participants"
    )

    class Meta:
        table_name = "courses_coursetype_translation"


class CourseTypeStyle(BaseModel):
    """The many-to-many link course type ↔ style."""

    app = "courses"
    coursetype = pw.ForeignKeyField(CourseType, backref="style_links", on_delete="CASCADE")
    style = pw.ForeignKeyField(Style, backref="course_type_links", on_delete="CASCADE")

    class Meta:
        table_name = "courses_coursetype_styles"
        verbose_name = "coursetype-style relationship"
        verbose_name_plural = "coursetype-style relationships"
        indexes = ((("coursetype", "style"), True),)


class Course(BaseModel):
    app = "courses"
    search_fields = ("name",)
    label_fields = ("name",)

    name = pw.CharField(max_length=255)
    min_subscribers = pw.IntegerField(null=True)
    max_subscribers = pw.IntegerField(null=True)
    price_with_legi = money(null=True, default=40)
    price_without_legi = money(null=True, default=80)
    offering = pw.ForeignKeyField(Offering, backref="courses", on_delete="RESTRICT")
    period = pw.ForeignKeyField(Period, null=True, backref="courses", on_delete="RESTRICT")
    room = pw.ForeignKeyField(Room, null=True, backref="courses", on_delete="RESTRICT")
    type = pw.ForeignKeyField(CourseType, backref="courses", on_delete="RESTRICT")
    active = pw.BooleanField(default=True)
    price_special = pw.CharField(max_length=255, null=True)
    display = pw.BooleanField(default=True)
    subscription_type = pw.CharField(
        max_length=20,
        default=CourseSubscriptionType.REGULAR,
        choices=CourseSubscriptionType.CHOICES,
    )
    external_url = pw.CharField(max_length=500, null=True)
    partner = plain_id("partner_id")
    cancelled = pw.BooleanField(default=False)
    experience_mandatory = pw.BooleanField(default=False)
    completed = pw.BooleanField(default=False)
    early_signup = pw.BooleanField(default=True)
    partner_required_at_signup = pw.BooleanField(default=False)
    opens_soon = pw.BooleanField(default=False)
    payrexx_enabled = pw.BooleanField(default=False)

    class Meta:
        table_name = "courses_course"

    def effective_period(self) -> Period | None:
        """Its own period, else its offering's (the site's ``Course.get_period``)."""
        return self.period or (self.offering.period if self.offering else None)

    @classmethod
    def of_periods(cls, periods):
        """Courses whose effective period is one of ``periods`` (ids, or a query of ids)."""
        offerings = Offering.select(Offering.id).where(Offering.period.in_(periods))
        return cls.select().where(
            cls.period.in_(periods) | (cls.period.is_null() & cls.offering.in_(offerings))
        )


class Subscribe(BaseModel):
    app = "courses"
    search_fields = ("usi", "comment")
    label_fields = ("usi",)

    date = ZonedDateTimeField(default=datetime.now)
    experience = pw.TextField(null=True)
    comment = pw.TextField(null=True)
    course = pw.ForeignKeyField(Course, backref="subscriptions", on_delete="RESTRICT")
    partner = pw.ForeignKeyField(
        User, null=True, backref="subscriptions_as_partner", on_delete="RESTRICT"
    )
    user = pw.ForeignKeyField(User, backref="subscriptions", on_delete="RESTRICT")
    matching_state = pw.CharField(
        max_length=30, default=MatchingState.UNKNOWN, index=True, choices=MatchingState.CHOICES
    )
    # the site sets the state on every path; NEW is what its subscribe() starts with
    state = pw.CharField(
        max_length=30, default=SubscribeState.NEW, index=True, choices=SubscribeState.CHOICES
    )
    usi = pw.CharField(max_length=6, unique=True, default="------")
    paymentmethod = pw.CharField(max_length=30, null=True, choices=PaymentMethod.CHOICES)
    price_to_pay = money(null=True)
    lead_follow = pw.CharField(
        max_length=1, default=LeadFollow.NO_PREFERENCE, choices=LeadFollow.CHOICES
    )
    # required in the site's model (no default); the console's forms start it off
    personal_data_sharing = pw.BooleanField(default=False)

    class Meta:
        table_name = "courses_subscribe"
        indexes = ((("user", "course"), True),)


class Teach(BaseModel):
    app = "courses"
    course = pw.ForeignKeyField(Course, backref="teaching", on_delete="CASCADE")
    teacher = pw.ForeignKeyField(User, backref="teaching_courses", on_delete="CASCADE")
    hourly_wage = money(null=True)

    class Meta:
        table_name = "courses_teach"
        verbose_name_plural = "teaches"


class TeacherWelcome(BaseModel):
    """The welcome mail a teacher got for a course (the site's ``Teach.welcomed``)."""

    app = "courses"
    label_fields = ("date",)

    teach = pw.ForeignKeyField(Teach, backref="teacher_welcomes", on_delete="CASCADE")
    date = pw.DateField(default=date.today)
    mail = pw.ForeignKeyField(
        Email, null=True, column_name="mail_id", on_delete="SET NULL", backref="teacher_welcomes"
    )

    class Meta:
        table_name = "courses_teacherwelcome"


class LessonDetails(BaseModel):
    """Room (and teachers) of an irregular lesson or an exception, where not the course's."""

    app = "courses"
    room = pw.ForeignKeyField(Room, null=True, backref="lessons", on_delete="RESTRICT")

    class Meta:
        table_name = "courses_lessondetails"


class RegularLesson(BaseModel):
    app = "courses"
    label_fields = ("weekday", "time_from", "time_to")

    weekday = pw.CharField(max_length=3, choices=Weekday.CHOICES)
    time_from = pw.TimeField()
    time_to = pw.TimeField()
    course = pw.ForeignKeyField(Course, backref="regular_lessons", on_delete="CASCADE")

    class Meta:
        table_name = "courses_regularlesson"


class RegularLessonException(BaseModel):
    app = "courses"
    label_fields = ("date",)

    date = pw.DateField(null=True)
    is_cancellation = pw.BooleanField(default=False)
    time_from = pw.TimeField(null=True)
    time_to = pw.TimeField(null=True)
    lesson_details = pw.ForeignKeyField(
        LessonDetails,
        null=True,
        unique=True,
        backref="regular_lesson_exception",
        on_delete="CASCADE",
    )
    regular_lesson = pw.ForeignKeyField(RegularLesson, backref="exceptions", on_delete="CASCADE")

    class Meta:
        table_name = "courses_regularlessonexception"


class IrregularLesson(BaseModel):
    app = "courses"
    label_fields = ("date", "time_from", "time_to")

    date = pw.DateField()
    time_from = pw.TimeField()
    time_to = pw.TimeField()
    course = pw.ForeignKeyField(Course, backref="irregular_lessons", on_delete="CASCADE")
    lesson_details = pw.ForeignKeyField(
        LessonDetails, null=True, unique=True, backref="irregular_lesson", on_delete="CASCADE"
    )

    class Meta:
        table_name = "courses_irregularlesson"


class LessonOccurrence(BaseModel):
    """One lesson as it happens (the site's ``update_lesson_occurrences`` writes them)."""

    app = "courses"
    label_fields = ("start",)

    start = ZonedDateTimeField()
    end = ZonedDateTimeField()
    course = pw.ForeignKeyField(Course, backref="lesson_occurrences", on_delete="CASCADE")
    room = pw.ForeignKeyField(Room, null=True, backref="lesson_occurrences", on_delete="RESTRICT")

    class Meta:
        table_name = "courses_lessonoccurrence"
        indexes = ((("course", "start", "end"), True),)


class LessonOccurrenceTeach(BaseModel):
    """Who taught a lesson, at which wage (the many-to-many lesson ↔ teacher)."""

    app = "courses"
    label_fields = ("hourly_wage",)

    hourly_wage = money()
    lesson_occurrence = pw.ForeignKeyField(
        LessonOccurrence, backref="teaching", on_delete="CASCADE"
    )
    teacher = pw.ForeignKeyField(User, backref="lesson_occurrences_taught", on_delete="CASCADE")

    class Meta:
        table_name = "courses_lessonoccurrenceteach"
        verbose_name_plural = "lesson occurrence teaches"
        indexes = ((("lesson_occurrence", "teacher"), True),)


class Confirmation(BaseModel):
    app = "courses"
    label_fields = ("date",)
    date = pw.DateField(default=date.today)
    subscription = pw.ForeignKeyField(Subscribe, backref="confirmations", on_delete="CASCADE")
    mail = pw.ForeignKeyField(
        Email, null=True, column_name="mail_id", on_delete="SET NULL", backref="confirmations"
    )

    class Meta:
        table_name = "courses_confirmation"


class Rejection(BaseModel):
    app = "courses"
    search_fields = ("reason",)
    label_fields = ("reason",)

    date = pw.DateField(default=date.today)
    reason = pw.CharField(
        max_length=30, default=RejectionReason.UNKNOWN, choices=RejectionReason.CHOICES
    )
    subscription = pw.ForeignKeyField(Subscribe, backref="rejections", on_delete="CASCADE")
    mail_sent = pw.BooleanField(default=True)
    mail = pw.ForeignKeyField(
        Email, null=True, column_name="mail_id", on_delete="SET NULL", backref="rejections"
    )

    class Meta:
        table_name = "courses_rejection"


class VoucherPurpose(BaseModel):
    app = "courses"
    search_fields = ("name",)
    label_fields = ("name",)

    name = pw.CharField(max_length=255, unique=True)
    description = pw.TextField(null=True)

    class Meta:
        table_name = "courses_voucherpurpose"


class Voucher(BaseModel):
    app = "courses"
    search_fields = ("key", "comment")
    label_fields = ("key",)

    key = pw.CharField(max_length=8, unique=True)
    issued = pw.DateField(default=date.today)
    expires = pw.DateField(null=True)
    used = pw.BooleanField(default=False)
    purpose = pw.ForeignKeyField(VoucherPurpose, backref="vouchers", on_delete="RESTRICT")
    pdf_file = pw.CharField(max_length=100, null=True)
    subscription = pw.ForeignKeyField(
        Subscribe, null=True, backref="vouchers", on_delete="RESTRICT"
    )
    amount = pw.IntegerField(null=True)  # whole CHF; the site checks it is positive
    comment = pw.CharField(max_length=200, null=True)
    sent_to = pw.ForeignKeyField(User, null=True, backref="vouchers", on_delete="RESTRICT")

    class Meta:
        table_name = "courses_voucher"


class PriceReduction(BaseModel):
    app = "courses"
    search_fields = ("comment",)
    label_fields = ("amount", "comment")

    amount = money()
    comment = pw.CharField(max_length=128, null=True)
    created_at = ZonedDateTimeField(default=datetime.now)
    subscription = pw.ForeignKeyField(Subscribe, backref="price_reductions", on_delete="CASCADE")
    used_voucher = pw.ForeignKeyField(
        Voucher, null=True, backref="price_reductions", on_delete="RESTRICT"
    )

    class Meta:
        table_name = "courses_pricereduction"


translated(Offering, OfferingTranslation, title=TranslatedField(max_length=30))
translated(CourseType, CourseTypeTranslation, title=TranslatedField(max_length=64))
