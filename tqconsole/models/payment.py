"""The payment app of the TQ site: bank files, payments, matching, reminders."""

from datetime import date, datetime

import peewee as pw

from tqconsole.models.base import BaseModel, ZonedDateTimeField
from tqconsole.models.choices import (
    CreditDebit,
    FinanceFileType,
    PaymentState,
    PaymentType,
    PayrexxMethod,
    PayrexxStatus,
)
from tqconsole.models.courses import Course, Subscribe, money
from tqconsole.models.mail import Email


class FinanceFile(BaseModel):
    app = "payment"
    search_fields = ("name",)
    label_fields = ("name",)

    name = pw.CharField(max_length=200, unique=True)
    file = pw.CharField(max_length=100)
    processed = pw.BooleanField(default=False)
    created_at = ZonedDateTimeField(default=datetime.now)
    type = pw.CharField(
        max_length=32, default=FinanceFileType.ZKB_CSV, choices=FinanceFileType.CHOICES
    )

    class Meta:
        table_name = "payment_financefile"


class Payment(BaseModel):
    app = "payment"
    search_fields = ("name", "remittance_user_string", "transaction_id", "iban")
    label_fields = ("name", "amount")

    name = pw.CharField(max_length=200, null=True)
    date = ZonedDateTimeField()
    address = pw.TextField(null=True)
    iban = pw.CharField(max_length=34, null=True)
    bic = pw.CharField(max_length=11, null=True)
    amount = pw.DecimalField(max_digits=9, decimal_places=2)
    currency_code = pw.CharField(max_length=3, default="CHF")
    remittance_user_string = pw.CharField(max_length=600, default="")
    state = pw.CharField(max_length=50, default=PaymentState.NEW, choices=PaymentState.CHOICES)
    filename = pw.CharField(max_length=300, default="")
    transaction_id = pw.CharField(max_length=100)
    amount_to_reimburse = pw.DecimalField(max_digits=9, decimal_places=2, default=0)
    type = pw.CharField(
        max_length=50,
        default=PaymentType.UNKNOWN,
        choices=PaymentType.CHOICES,
        verbose_name="type (detected)",
    )
    comment = pw.TextField(null=True)
    credit_debit = pw.CharField(
        max_length=50,
        default=CreditDebit.UNKNOWN,
        choices=CreditDebit.CHOICES,
        verbose_name="credit/debit",
    )
    file = pw.ForeignKeyField(FinanceFile, null=True, backref="payments", on_delete="SET NULL")

    class Meta:
        table_name = "payment_payment"


class SubscriptionPayment(BaseModel):
    app = "payment"
    label_fields = ("amount",)

    amount = money()
    payment = pw.ForeignKeyField(Payment, backref="subscription_payments", on_delete="RESTRICT")
    subscription = pw.ForeignKeyField(
        Subscribe, backref="subscription_payments", on_delete="RESTRICT"
    )

    class Meta:
        table_name = "payment_subscriptionpayment"


class PaymentReminder(BaseModel):
    app = "payment"
    label_fields = ("date",)

    date = pw.DateField(default=date.today)
    mail = pw.ForeignKeyField(
        Email, null=True, column_name="mail_id", on_delete="SET NULL", backref="payment_reminders"
    )
    subscription = pw.ForeignKeyField(Subscribe, backref="payment_reminders", on_delete="CASCADE")

    class Meta:
        table_name = "payment_paymentreminder"


class CoursePayment(BaseModel):
    """A payment (part of one) booked to a course as a whole (type course_payment_transfer)."""

    app = "payment"
    label_fields = ("amount",)

    amount = money()
    course = pw.ForeignKeyField(Course, backref="course_payments", on_delete="RESTRICT")
    payment = pw.ForeignKeyField(Payment, backref="course_payments", on_delete="RESTRICT")

    class Meta:
        table_name = "payment_coursepayment"


class PayrexxGateway(BaseModel):
    """One Payrexx checkout (card or TWINT) of a subscription, up to its webhook's payment."""

    app = "payment"
    search_fields = ("link",)
    label_fields = ("payment_method", "status", "gross_amount")

    payment_method = pw.CharField(max_length=10, choices=PayrexxMethod.CHOICES)
    gateway_id = pw.IntegerField(unique=True)
    link = pw.CharField(max_length=500)
    gross_amount = pw.DecimalField(max_digits=9, decimal_places=2)
    status = pw.CharField(
        max_length=20, default=PayrexxStatus.PENDING, choices=PayrexxStatus.CHOICES
    )
    created_at = ZonedDateTimeField(default=datetime.now)
    payrexx_transaction_id = pw.IntegerField(null=True, unique=True)
    payment = pw.ForeignKeyField(
        Payment, null=True, unique=True, backref="payrexx_gateway", on_delete="SET NULL"
    )
    subscription = pw.ForeignKeyField(Subscribe, backref="payrexx_gateways", on_delete="RESTRICT")

    class Meta:
        table_name = "payment_payrexxgateway"
