"""The courses app of the TQ site: periods, offerings, courses, subscriptions."""

import peewee as pw

from tqconsole.models.auth import User
from tqconsole.models.base import BaseModel
from tqconsole.models.choices import (
    CourseSubscriptionType,
    Gender,
    MatchingState,
    OfferingType,
    PaymentMethod,
    RejectionReason,
    StudentStatus,
    SubscribeState,
)

USI_ALPHABET = "ABCDEFGHJKMNPQRTUVWXY346789"


class UserProfile(BaseModel):
    app = "courses"
    search_fields = ("legi", "phone_number")
    label_fields = ("legi",)

    user = pw.ForeignKeyField(User, primary_key=True, backref="profile", on_delete="CASCADE")
    language = pw.CharField(max_length=10, default="en")
    legi = pw.CharField(max_length=16, null=True)
    gender = pw.CharField(max_length=1, null=True, choices=Gender.CHOICES)
    phone_number = pw.CharField(max_length=255, null=True)
    student_status = pw.CharField(
        max_length=10, default=StudentStatus.NO, choices=StudentStatus.CHOICES
    )
    body_height = pw.IntegerField(null=True)
    newsletter = pw.BooleanField(default=True)
    get_involved = pw.BooleanField(default=False)
    birthdate = pw.DateField(null=True)

    class Meta:
        table_name = "courses_userprofile"

    def has_legi(self) -> bool:
        return bool(self.legi) or self.student_status != StudentStatus.NO


class Period(BaseModel):
    app = "courses"
    search_fields = ("name",)
    label_fields = ("name",)

    name = pw.CharField(max_length=255)
    date_from = pw.DateField(null=True)
    date_to = pw.DateField(null=True)
    visible = pw.BooleanField(default=True)

    class Meta:
        table_name = "courses_period"


class Offering(BaseModel):
    app = "courses"
    search_fields = ("name",)
    label_fields = ("name",)

    name = pw.CharField(max_length=255)
    period = pw.ForeignKeyField(Period, null=True, backref="offerings", on_delete="RESTRICT")
    type = pw.CharField(max_length=3, default=OfferingType.REGULAR, choices=OfferingType.CHOICES)
    display = pw.BooleanField(default=False)
    active = pw.BooleanField(default=False)
    position = pw.IntegerField(default=0)

    class Meta:
        table_name = "courses_offering"


class Style(BaseModel):
    app = "courses"
    search_fields = ("name",)
    label_fields = ("name",)

    name = pw.CharField(max_length=30, unique=True)
    url_info = pw.CharField(max_length=500, null=True)
    parent_style = pw.ForeignKeyField(
        "self", null=True, backref="children", on_delete="SET NULL", column_name="parent_style_id"
    )

    class Meta:
        table_name = "courses_style"


class Room(BaseModel):
    app = "courses"
    search_fields = ("name",)
    label_fields = ("name",)

    name = pw.CharField(max_length=255)
    url = pw.CharField(max_length=500, null=True)
    contact_info = pw.TextField(null=True)

    class Meta:
        table_name = "courses_room"


class CourseType(BaseModel):
    app = "courses"
    search_fields = ("name",)
    label_fields = ("name",)

    name = pw.CharField(max_length=255)
    level = pw.IntegerField(null=True)
    couple_course = pw.BooleanField(default=True)
    style = pw.ForeignKeyField(Style, null=True, backref="course_types", on_delete="SET NULL")

    class Meta:
        table_name = "courses_coursetype"


class Course(BaseModel):
    app = "courses"
    search_fields = ("name",)
    label_fields = ("name",)

    name = pw.CharField(max_length=255)
    type = pw.ForeignKeyField(CourseType, backref="courses", on_delete="RESTRICT")
    subscription_type = pw.CharField(
        max_length=20,
        default=CourseSubscriptionType.REGULAR,
        choices=CourseSubscriptionType.CHOICES,
    )
    display = pw.BooleanField(default=True)
    active = pw.BooleanField(default=True)
    evaluated = pw.BooleanField(default=False)
    room = pw.ForeignKeyField(Room, null=True, backref="courses", on_delete="RESTRICT")
    offering = pw.ForeignKeyField(Offering, null=True, backref="courses", on_delete="RESTRICT")
    period = pw.ForeignKeyField(Period, null=True, backref="courses", on_delete="RESTRICT")
    min_subscribers = pw.IntegerField(null=True)
    max_subscribers = pw.IntegerField(null=True)
    price_with_legi = pw.FloatField(null=True, default=35)
    price_without_legi = pw.FloatField(null=True, default=70)
    price_special = pw.CharField(max_length=255, null=True)
    position = pw.IntegerField(default=0)

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

    user = pw.ForeignKeyField(User, backref="subscriptions", on_delete="RESTRICT")
    course = pw.ForeignKeyField(Course, backref="subscriptions", on_delete="RESTRICT")
    date = pw.DateTimeField()
    partner = pw.ForeignKeyField(
        User, null=True, backref="subscriptions_as_partner", on_delete="RESTRICT"
    )
    matching_state = pw.CharField(
        max_length=30, default=MatchingState.UNKNOWN, index=True, choices=MatchingState.CHOICES
    )
    experience = pw.TextField(null=True)
    comment = pw.TextField(null=True)
    state = pw.CharField(
        max_length=30, default=SubscribeState.NEW, index=True, choices=SubscribeState.CHOICES
    )
    usi = pw.CharField(max_length=6, unique=True, default="------")
    price_to_pay = pw.FloatField(null=True)
    paymentmethod = pw.CharField(max_length=30, null=True, choices=PaymentMethod.CHOICES)

    class Meta:
        table_name = "courses_subscribe"
        indexes = ((("user", "course"), True),)


class Teach(BaseModel):
    app = "courses"
    teacher = pw.ForeignKeyField(User, backref="teaching", on_delete="RESTRICT")
    course = pw.ForeignKeyField(Course, backref="teaching", on_delete="CASCADE")
    hourly_wage = pw.FloatField(default=30.0)
    welcomed = pw.BooleanField(default=False)

    class Meta:
        table_name = "courses_teach"


class Confirmation(BaseModel):
    app = "courses"
    subscription = pw.ForeignKeyField(Subscribe, backref="confirmations", on_delete="CASCADE")
    date = pw.DateTimeField()

    class Meta:
        table_name = "courses_confirmation"


class Rejection(BaseModel):
    app = "courses"
    search_fields = ("reason",)
    label_fields = ("reason",)

    subscription = pw.ForeignKeyField(Subscribe, backref="rejections", on_delete="CASCADE")
    date = pw.DateTimeField()
    reason = pw.CharField(
        max_length=30, default=RejectionReason.UNKNOWN, choices=RejectionReason.CHOICES
    )
    mail_sent = pw.BooleanField(default=True)

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
    search_fields = ("key",)
    label_fields = ("key",)

    purpose = pw.ForeignKeyField(VoucherPurpose, backref="vouchers", on_delete="RESTRICT")
    key = pw.CharField(max_length=8, unique=True)
    issued = pw.DateField()
    expires = pw.DateField(null=True)
    used = pw.BooleanField(default=False)
    used_timestamp = pw.DateTimeField(null=True)
    percentage = pw.DecimalField(max_digits=5, decimal_places=2, null=True)
    amount = pw.DecimalField(max_digits=9, decimal_places=2, null=True)
    subscription = pw.ForeignKeyField(
        Subscribe, null=True, backref="vouchers", on_delete="SET NULL"
    )

    class Meta:
        table_name = "courses_voucher"


class PriceReduction(BaseModel):
    app = "courses"
    search_fields = ("comment",)
    label_fields = ("amount", "comment")

    subscription = pw.ForeignKeyField(Subscribe, backref="price_reductions", on_delete="CASCADE")
    amount = pw.DecimalField(max_digits=9, decimal_places=2)
    comment = pw.CharField(max_length=255, null=True)
    used_voucher = pw.ForeignKeyField(
        Voucher, null=True, backref="price_reductions", on_delete="SET NULL"
    )

    class Meta:
        table_name = "courses_pricereduction"
