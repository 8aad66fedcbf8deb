"""Choice values of the TQ schema, as stored in the database, with the site's labels."""


class Choices:
    """A set of named constants; ``CHOICES`` lists (value, label) pairs for forms."""

    CHOICES: tuple[tuple[str, str], ...] = ()

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(value for value, _ in cls.CHOICES)


class SubscribeState(Choices):
    NEW = "new"
    WAITING_LIST = "waiting_list"
    CONFIRMED = "confirmed"
    PAYED = "payed"  # sic: the value the site stores
    COMPLETED = "completed"
    REJECTED = "rejected"
    TO_REIMBURSE = "to_reimburse"
    CHOICES = (
        (NEW, "new"),
        (WAITING_LIST, "waiting list"),
        (CONFIRMED, "confirmed (to pay)"),
        (PAYED, "paid"),
        (COMPLETED, "completed"),
        (REJECTED, "rejected"),
        (TO_REIMBURSE, "to reimburse"),
    )
    ACCEPTED = (CONFIRMED, PAYED, COMPLETED)
    PAID = (PAYED, TO_REIMBURSE, COMPLETED)
    OPEN = (NEW, WAITING_LIST)


class PaymentMethod(Choices):
    COUNTER = "counter"
    COURSE = "course"
    ONLINE = "online"
    VOUCHER = "voucher"
    REDUCTION = "reduction"
    MANUAL = "manual"
    CARD = "card"
    TWINT = "twint"
    CHOICES = (
        (COUNTER, "counter"),
        (COURSE, "course"),
        (ONLINE, "online"),
        (VOUCHER, "voucher"),
        (REDUCTION, "price reduction"),
        (MANUAL, "manual"),
        (CARD, "card (Payrexx)"),
        (TWINT, "TWINT (Payrexx)"),
    )


class MatchingState(Choices):
    UNKNOWN = "unknown"
    COUPLE = "couple"
    TO_MATCH = "to_match"
    TO_REMATCH = "to_rematch"
    MATCHED = "matched"
    NOT_REQUIRED = "not_required"
    CHOICES = (
        (UNKNOWN, "Unknown"),
        (COUPLE, "Couple"),
        (TO_MATCH, "To match"),
        (TO_REMATCH, "To rematch"),
        (MATCHED, "Matched"),
        (NOT_REQUIRED, "Not required"),
    )


class RejectionReason(Choices):
    UNKNOWN = "unknown"
    REQUIREMENTS_NOT_MET = "requirements_not_met"
    OVERBOOKED = "overbooked"
    NO_PARTNER = "no_partner"
    USER_CANCELLED = "user_cancelled"
    ILLEGITIMATE = "illegitimate"
    BANNED = "banned"
    COURSE_CANCELLED = "course_cancelled"
    CHOICES = (
        (UNKNOWN, "Unknown"),
        (REQUIREMENTS_NOT_MET, "User and/or partner does not meet requirements"),
        (OVERBOOKED, "Overbooked"),
        (NO_PARTNER, "No partner found"),
        (USER_CANCELLED, "User cancelled the subscription"),
        (ILLEGITIMATE, "Users subscription is illegitimate"),
        (BANNED, "User is banned"),
        (COURSE_CANCELLED, "Course was cancelled"),
    )


class PaymentState(Choices):
    NEW = "new"
    MANUAL = "manual"
    MATCHED = "matched"
    PROCESSED = "processed"
    ARCHIVE = "archive"
    CHOICES = tuple((v, v) for v in (NEW, MANUAL, MATCHED, PROCESSED, ARCHIVE))
    UNMATCHED = (NEW, MANUAL)


class PaymentType(Choices):
    SUBSCRIPTION_PAYMENT = "subscription_payment"
    SUBSCRIPTION_PAYMENT_TO_REIMBURSE = "subscription_payment_to_reimburse"
    COURSE_PAYMENT_TRANSFER = "course_payment_transfer"
    IRRELEVANT = "irrelevant"
    UNKNOWN = "unknown"
    CHOICES = (
        (SUBSCRIPTION_PAYMENT, "subscription payment"),
        (SUBSCRIPTION_PAYMENT_TO_REIMBURSE, "subscription payment (to reimburse)"),
        (COURSE_PAYMENT_TRANSFER, "course payment transfer"),
        (IRRELEVANT, "irrelevant"),
        (UNKNOWN, "unknown"),
    )


class CreditDebit(Choices):
    CREDIT = "credit"
    DEBIT = "debit"
    UNKNOWN = "unknown"
    CHOICES = (
        (UNKNOWN, "unknown"),
        (CREDIT, "credit (incoming money)"),
        (DEBIT, "debit (outgoing money)"),
    )


class FinanceFileType(Choices):
    POSTFINANCE_XML = "postfinance_xml"
    ZKB_CSV = "zkb_csv"
    CHOICES = ((POSTFINANCE_XML, "Postfinance XML"), (ZKB_CSV, "ZKB CSV"))


class StudentStatus(Choices):
    ETH = "eth"
    UNI = "uni"
    PH = "ph"
    OTHER = "other"
    NO = "no"
    CHOICES = ((ETH, "ETH"), (UNI, "UZH"), (PH, "PH"), (OTHER, "Other"), (NO, "Not a student"))


class LeadFollow(Choices):
    LEAD = "l"
    FOLLOW = "f"
    NO_PREFERENCE = "n"
    CHOICES = ((LEAD, "lead"), (FOLLOW, "follow"), (NO_PREFERENCE, "no preference"))


class CourseSubscriptionType(Choices):
    REGULAR = "regular"
    OPEN_CLASS = "open_class"
    EXTERNAL = "external"
    CHOICES = (
        (REGULAR, "Regular (internal, with subscription)"),
        (OPEN_CLASS, "Open class (no subscription needed)"),
        (EXTERNAL, "External (offered by partner of Tanzquotient)"),
    )


class OfferingType(Choices):
    REGULAR = "reg"
    IRREGULAR = "irr"
    PARTNER = "p"
    CHOICES = (
        (REGULAR, "Regular (weekly)"),
        (IRREGULAR, "Irregular (e.g. workshops)"),
        (PARTNER, "Partner (external)"),
    )


class Weekday(Choices):
    MONDAY = "mon"
    TUESDAY = "tue"
    WEDNESDAY = "wed"
    THURSDAY = "thu"
    FRIDAY = "fri"
    SATURDAY = "sat"
    SUNDAY = "sun"
    CHOICES = (
        (MONDAY, "Monday"),
        (TUESDAY, "Tuesday"),
        (WEDNESDAY, "Wednesday"),
        (THURSDAY, "Thursday"),
        (FRIDAY, "Friday"),
        (SATURDAY, "Saturday"),
        (SUNDAY, "Sunday"),
    )


class PayrexxStatus(Choices):
    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    CHOICES = (
        (PENDING, "Pending"),
        (COMPLETED, "Completed"),
        (FAILED, "Failed"),
        (CANCELLED, "Cancelled"),
        (EXPIRED, "Expired"),
    )


class PayrexxMethod(Choices):
    CARD = "card"
    TWINT = "twint"
    CHOICES = ((CARD, "Card (Visa / Mastercard)"), (TWINT, "TWINT"))
