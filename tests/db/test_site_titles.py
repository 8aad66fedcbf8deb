"""Table and field titles are the site's verbose names (Django's defaults where it sets none).

Checked against tanzquotient/website: courses/models/{subscribe,course,offering,
course_type,room,teach}.py, payment/models/payment.py, events/models/event_category.py;
django-post-office 3.11.2 and django-celery-results 2.6.0 (the site's pins); Django's
auth.User; django-parler's "<model> Translation".
"""

from __future__ import annotations

import pytest

from tqconsole.services.db.tables import column_title, table_title


@pytest.mark.parametrize(
    ("table", "title"),
    [
        ("courses_subscribe", "subscribes"),  # no Meta.verbose_name: Django's default
        ("courses_userprofile", "user profiles"),
        ("payment_payment", "payments"),
        ("payment_subscriptionpayment", "subscription payments"),
        ("courses_teach", "teaches"),  # the site's Meta.verbose_name_plural
        ("courses_lessonoccurrenceteach", "lesson occurrence teaches"),
        ("events_eventcategory", "event categories"),
        ("courses_coursetype_translation", "course type Translations"),  # django-parler
        ("auth_user", "users"),
        ("auth_user_groups", "user-group relationships"),  # Django's many-to-many table
        ("post_office_email", "Emails"),
        ("post_office_emailtemplate", "Email Templates"),
        ("django_celery_results_taskresult", "task results"),
        ("tqconsole_task", "tqconsole_task"),  # the console's own: its name
        ("some_unmodelled_table", "some_unmodelled_table"),
    ],
)
def test_table_titles_are_the_sites_verbose_name_plural(table, title):
    assert table_title(table) == title


@pytest.mark.parametrize(
    ("table", "name", "title"),
    [
        ("courses_subscribe", "user", "user"),  # Django's default: the name in words
        ("courses_subscribe", "paymentmethod", "paymentmethod"),
        ("courses_subscribe", "price_to_pay", "price to pay"),
        ("courses_subscribe", "open_amount", "open amount"),  # computed by the console
        ("payment_payment", "type", "type (detected)"),  # the site's verbose_name
        ("payment_payment", "credit_debit", "credit/debit"),
        ("payment_payment", "remittance_user_string", "remittance user string"),
        ("courses_offering", "early_signup_max_days", "Max days for early sign-up"),
        ("courses_offering", "title", "[TR] Title"),  # translated, from its parler field
        ("courses_coursetype", "title", "[TR] Title"),
        ("courses_coursetype_translation", "subtitle", "[TR] Subtitle"),
        ("courses_coursetype_translation", "language_code", "Language"),
        ("events_eventcategory", "position", "Position"),
        ("auth_user", "email", "email address"),
        ("auth_user", "is_staff", "staff status"),
        ("post_office_email", "from_email", "Email From"),
        ("post_office_email", "template", "Email template"),
        ("django_celery_results_taskresult", "status", "Task State"),
        ("courses_course", "places", "places"),
    ],
)
def test_field_titles_are_the_sites_verbose_name(table, name, title):
    assert column_title(table, name) == title
