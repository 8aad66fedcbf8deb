"""The payment app of the TQ site: bank files, payments, matching, reminders."""

import peewee as pw

from tqconsole.models.base import BaseModel
from tqconsole.models.choices import CreditDebit, FinanceFileType, PaymentState, PaymentType
from tqconsole.models.courses import Subscribe


class FinanceFile(BaseModel):
    app = "payment"
    search_fields = ("name",)
    label_fields = ("name",)

    name = pw.CharField(max_length=200, unique=True)
    file = pw.CharField(max_length=100, default="")
    type = pw.CharField(
        max_length=32, default=FinanceFileType.ZKB_CSV, choices=FinanceFileType.CHOICES
    )
    processed = pw.BooleanField(default=False)
    created_at = pw.DateTimeField()

    class Meta:
        table_name = "payment_financefile"


class Payment(BaseModel):
    app = "payment"
    search_fields = ("name", "remittance_user_string", "transaction_id", "iban")
    label_fields = ("name", "amount")

    name = pw.CharField(max_length=200, null=True)
    date = pw.DateTimeField(index=True)
    address = pw.TextField(null=True)
    iban = pw.CharField(max_length=34, null=True)
    bic = pw.CharField(max_length=11, null=True)
    transaction_id = pw.CharField(max_length=100)
    amount = pw.DecimalField(max_digits=9, decimal_places=2)
    amount_to_reimburse = pw.DecimalField(max_digits=9, decimal_places=2, default=0)
    currency_code = pw.CharField(max_length=3, default="CHF")
    remittance_user_string = pw.CharField(max_length=600, default="")
    state = pw.CharField(
        max_length=50, default=PaymentState.NEW, index=True, choices=PaymentState.CHOICES
    )
    type = pw.CharField(
        max_length=50, default=PaymentType.UNKNOWN, index=True, choices=PaymentType.CHOICES
    )
    credit_debit = pw.CharField(
        max_length=50, default=CreditDebit.UNKNOWN, choices=CreditDebit.CHOICES
    )
    filename = pw.CharField(max_length=300, default="")
    file = pw.ForeignKeyField(FinanceFile, null=True, backref="payments", on_delete="SET NULL")
    comment = pw.TextField(null=True)

    class Meta:
        table_name = "payment_payment"


class SubscriptionPayment(BaseModel):
    app = "payment"
    label_fields = ("amount",)

    payment = pw.ForeignKeyField(Payment, backref="subscription_payments", on_delete="CASCADE")
    subscription = pw.ForeignKeyField(
        Subscribe, backref="subscription_payments", on_delete="RESTRICT"
    )
    amount = pw.DecimalField(max_digits=9, decimal_places=2)
    balance = pw.DecimalField(max_digits=9, decimal_places=2, default=0)

    class Meta:
        table_name = "payment_subscriptionpayment"


class PaymentReminder(BaseModel):
    app = "payment"
    label_fields = ("date",)

    date = pw.DateTimeField()
    subscription = pw.ForeignKeyField(Subscribe, backref="payment_reminders", on_delete="CASCADE")

    class Meta:
        table_name = "payment_paymentreminder"
