"""Demo data: deterministic, realistic, idempotent, on SQLite and PostgreSQL."""

import re

import pytest
from peewee import fn

from tests.conftest import DEMO_TODAY
from tqconsole.errors import ConsoleError
from tqconsole.models import (
    ALL_MODELS,
    Course,
    Event,
    EventRegistration,
    Payment,
    Subscribe,
    SubscriptionPayment,
    User,
    UserProfile,
)
from tqconsole.models.choices import CreditDebit, PaymentState, SubscribeState
from tqconsole.models.courses import USI_ALPHABET
from tqconsole.services.db.figures import database_figures
from tqconsole.services.db.schema import init
from tqconsole.services.demo.database import load_demo


def test_demo_scale_one_on_both_databases(backends):
    init(backends)
    report = load_demo(backends, scale=1, today=DEMO_TODAY)
    assert report.counts["auth_user"] == 2000
    assert report.counts["courses_course"] == 120
    assert report.counts["courses_subscribe"] == 6000
    assert report.counts["payment_payment"] == 5000
    # every state, valid unique USIs
    states = {s for (s,) in Subscribe.select(Subscribe.state).distinct().tuples()}
    assert states == set(SubscribeState.values())
    usis = [u for (u,) in Subscribe.select(Subscribe.usi).tuples()]
    assert len(set(usis)) == len(usis)
    assert all(len(u) == 6 and set(u) <= set(USI_ALPHABET) for u in usis)
    # price_to_pay follows the legi rule
    for sub in Subscribe.select().join(Course).limit(200):
        profile = UserProfile.get(UserProfile.user == sub.user_id)
        expected = (
            sub.course.price_with_legi if profile.has_legi() else sub.course.price_without_legi
        )
        assert sub.price_to_pay == expected
    # payments: most carry a real USI, some unmatched, some debits
    payment_states = {s for (s,) in Payment.select(Payment.state).distinct().tuples()}
    assert {PaymentState.NEW, PaymentState.MANUAL, PaymentState.PROCESSED} <= payment_states
    assert Payment.select().where(Payment.credit_debit == CreditDebit.DEBIT).count() > 100
    with_usi = Payment.select().where(Payment.remittance_user_string.contains("USI-")).count()
    assert with_usi > 3000
    sample = SubscriptionPayment.select().join(Payment).limit(50)
    for link in sample:
        usi = re.search(r"USI-(\w{6})", link.payment.remittance_user_string).group(1)
        assert Subscribe.get_by_id(link.subscription_id).usi == usi
    assert Event.select().count() == 20 and EventRegistration.select().count() > 400
    # Swiss-looking users
    assert User.select().where(User.email.endswith("ethz.ch")).count() > 200
    figures = dict(database_figures(DEMO_TODAY))
    assert int(figures["courses this period"]) > 0


def test_demo_is_deterministic_and_idempotent(sqlite_url):
    from tests.conftest import make_backends

    b = make_backends()
    init(b)
    load_demo(b, scale=1, today=DEMO_TODAY)
    first = list(Subscribe.select(Subscribe.usi, Subscribe.state).order_by(Subscribe.id).tuples())
    again = load_demo(b, scale=1, today=DEMO_TODAY)
    assert again.skipped and "already loaded" in again.skipped
    assert Subscribe.select().count() == 6000
    for model in reversed(ALL_MODELS):
        model.delete().execute()
    init(b)  # the mail templates went with the rows
    load_demo(b, scale=1, today=DEMO_TODAY)
    second = list(Subscribe.select(Subscribe.usi, Subscribe.state).order_by(Subscribe.id).tuples())
    assert first == second
    b.close()


def test_demo_refuses_a_foreign_database_unless_forced(sqlite_url):
    from tests.conftest import make_backends

    b = make_backends()
    init(b)
    User.insert(username="real@tq.ch", date_joined=DEMO_TODAY).execute()
    with pytest.raises(ConsoleError, match="--force"):
        load_demo(b, scale=1, today=DEMO_TODAY)
    assert User.select().count() == 1
    load_demo(b, scale=1, today=DEMO_TODAY, force=True)
    assert User.select().count() == 2001
    assert User.select(fn.MAX(User.id)).scalar() == 2001
    b.close()


def test_demo_lessons_fall_on_their_weekday_and_teachers_teach_them(demo_sqlite):
    from tests.conftest import make_backends
    from tqconsole.models import (
        LessonOccurrence,
        LessonOccurrenceTeach,
        RegularLesson,
        RegularLessonException,
        Teach,
    )
    from tqconsole.models.choices import Weekday

    b = make_backends()
    cancelled = {
        (e.regular_lesson.course_id, e.date)
        for e in RegularLessonException.select().where(RegularLessonException.is_cancellation)
    }
    assert cancelled
    for lesson in RegularLesson.select():
        day = Weekday.values().index(lesson.weekday)
        starts = [
            o.start
            for o in LessonOccurrence.select().where(LessonOccurrence.course == lesson.course)
        ]
        assert len(starts) in (12, 13) and {s.weekday() for s in starts} == {day}
        assert all(s.time() == lesson.time_from for s in starts)
        assert not {(lesson.course_id, s.date()) for s in starts} & cancelled
    taught = LessonOccurrenceTeach.select(LessonOccurrenceTeach, LessonOccurrence).join(
        LessonOccurrence
    )
    for row in taught.limit(200):
        assert (
            Teach.select()
            .where(
                (Teach.course == row.lesson_occurrence.course_id)
                & (Teach.teacher == row.teacher_id)
            )
            .exists()
        )
    b.close()
