"""Choice values of the TQ schema, as stored in the database."""


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
        (CONFIRMED, "confirmed (unpaid)"),
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
    CHOICES = tuple(
        (v, v) for v in (COUNTER, COURSE, ONLINE, VOUCHER, REDUCTION, MANUAL, CARD, TWINT)
    )


class MatchingState(Choices):
    UNKNOWN = "unknown"
    COUPLE = "couple"
    TO_MATCH = "to_match"
    TO_REMATCH = "to_rematch"
    MATCHED = "matched"
    NOT_REQUIRED = "not_required"
    CHOICES = tuple(
        (v, v.replace("_", " "))
        for v in (UNKNOWN, COUPLE, TO_MATCH, TO_REMATCH, MATCHED, NOT_REQUIRED)
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
    CHOICES = tuple(
        (v, v.replace("_", " "))
        for v in (
            UNKNOWN,
            REQUIREMENTS_NOT_MET,
            OVERBOOKED,
            NO_PARTNER,
            USER_CANCELLED,
            ILLEGITIMATE,
            BANNED,
            COURSE_CANCELLED,
        )
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
    CHOICES = tuple(
        (v, v.replace("_", " "))
        for v in (
            SUBSCRIPTION_PAYMENT,
            SUBSCRIPTION_PAYMENT_TO_REIMBURSE,
            COURSE_PAYMENT_TRANSFER,
            IRRELEVANT,
            UNKNOWN,
        )
    )


class CreditDebit(Choices):
    CREDIT = "credit"
    DEBIT = "debit"
    UNKNOWN = "unknown"
    CHOICES = ((CREDIT, "credit"), (DEBIT, "debit"), (UNKNOWN, "unknown"))


class FinanceFileType(Choices):
    POSTFINANCE_XML = "postfinance_xml"
    ZKB_CSV = "zkb_csv"
    CHOICES = ((POSTFINANCE_XML, "PostFinance XML"), (ZKB_CSV, "ZKB CSV"))


class StudentStatus(Choices):
    ETH = "eth"
    UNI = "uni"
    PH = "ph"
    OTHER = "other"
    NO = "no"
    CHOICES = ((ETH, "ETH"), (UNI, "UZH"), (PH, "PH"), (OTHER, "other"), (NO, "not a student"))


class Gender(Choices):
    MEN = "m"
    WOMAN = "w"
    CHOICES = ((MEN, "man"), (WOMAN, "woman"))


class CourseSubscriptionType(Choices):
    REGULAR = "regular"
    OPEN_CLASS = "open_class"
    EXTERNAL = "external"
    CHOICES = ((REGULAR, "regular"), (OPEN_CLASS, "open class"), (EXTERNAL, "external"))


class OfferingType(Choices):
    REGULAR = "reg"
    IRREGULAR = "irr"
    CHOICES = ((REGULAR, "regular (weekly)"), (IRREGULAR, "irregular (workshops)"))
