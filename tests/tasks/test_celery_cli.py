"""``tqconsole celery …`` on the site's broker contents and the site's database."""

from __future__ import annotations

import json

import pytest

from tests.support.celery_support import site_broker
from tqconsole.cli import main
from tqconsole.models.celery import CELERY_MODELS


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.fixture
def site(site_url, redis_url, monkeypatch):
    monkeypatch.setenv("TQ_CELERY_BROKER_URL", redis_url)
    b = site_broker(redis_url)
    yield b
    b.close()


def test_models_match_the_sites_tables(site_url):
    from tests.conftest import make_backends
    from tqconsole.services.db.schema import drift

    backends = make_backends()
    db = backends.database
    for model in CELERY_MODELS:
        assert drift(db, model).lines() == [], model.__name__
        live = {c.name: c for c in db.get_columns(model._meta.table_name)}
        for f in model._meta.sorted_fields:
            assert live[f.column_name].null == f.null or f.primary_key, (model.__name__, f.name)
    backends.close()


def test_queues_messages_and_groups(site, capsys):
    code, out, _ = run(capsys, "celery", "queues", "--json")
    assert json.loads(out) == {"queues": [{"name": "celery", "messages": 9}], "unacked": 2}
    code, out, _ = run(capsys, "celery", "messages", "--offset", "2", "--limit", "3", "--json")
    assert [m["position"] for m in json.loads(out)] == [2, 3, 4]
    code, out, _ = run(capsys, "celery", "messages", "--group", "--json")
    assert {"task": "post_office.tasks.send_queued_mail", "messages": 2} in json.loads(out)
    code, out, _ = run(capsys, "celery", "messages", "--task", "payment_match")
    assert "payment_match" in out and "update_groups" not in out
    code, out, _ = run(capsys, "celery", "messages", "--unacked", "--json")
    assert len(json.loads(out)) == 2


def test_results_and_show(site, capsys):
    code, out, _ = run(capsys, "celery", "results", "--json")
    rows = json.loads(out)
    assert len(rows) == 10 and rows[0]["state"] == "STARTED"
    code, out, _ = run(capsys, "celery", "results", "--state", "failure", "--json")
    [failed] = json.loads(out)
    assert "weihnachtsparty" in failed["result"]
    code, out, _ = run(capsys, "celery", "show", failed["task_id"])
    assert "FAILURE" in out and "ValueError" in out
    code, _, err = run(capsys, "celery", "show", "no-such-id")
    assert code != 0 and err.count("\n") == 1


def test_beat_schedules(site, capsys):
    code, out, err = run(capsys, "celery", "beat", "--json")
    assert code == 0, err
    rows = {r["name"]: r for r in json.loads(out)}
    assert len(rows) == 14
    assert {r["kind"] for r in rows.values()} == {"interval", "crontab", "clocked"}
    assert [n for n, r in rows.items() if not r["enabled"]] == [
        "photologue: pre-cache image sizes",
        "survey: course surveys",
    ]
    assert rows["payment: match payments (hourly)"]["schedule"] == "15 * * * * (Europe/Zurich)"
    assert rows["post_office: send queued mails"]["schedule"] == "every 1 minutes"
    assert rows["events:registration:1"]["kind"] == "clocked"
    assert rows["events:registration:1"]["next_run"].startswith("2026-12-20")
    assert rows["survey: course surveys"]["next_run"] is None
    # crontab 0 3 * * * in Europe/Zurich, last run 2026-12-15 03:00 UTC (04:00 there)
    from datetime import datetime
    from zoneinfo import ZoneInfo

    zurich = datetime(2026, 12, 16, 3, 0, tzinfo=ZoneInfo("Europe/Zurich"))
    expected = zurich.astimezone().replace(tzinfo=None)
    assert rows["groups: update groups"]["next_run"] == str(expected)
    # hourly at :15, last run 08:15 UTC
    last = datetime.fromisoformat(rows["payment: match payments (hourly)"]["last_run"])
    nxt = datetime.fromisoformat(rows["payment: match payments (hourly)"]["next_run"])
    assert (nxt - last).total_seconds() == 3600


def test_enable_disable_and_read_only(site, capsys):
    from tests.conftest import make_backends
    from tqconsole.models.celery import PeriodicTask, PeriodicTasks

    code, out, _ = run(capsys, "celery", "disable", "update_groups".replace("_", " "))
    assert code != 0  # no such name
    code, out, _ = run(capsys, "celery", "disable", "groups: update groups")
    assert (code, out.strip()) == (0, "disabled groups: update groups")
    b = make_backends()
    b.database  # noqa: B018 - binds the models
    assert not PeriodicTask.get(PeriodicTask.name == "groups: update groups").enabled
    assert PeriodicTasks.get().last_update.year >= 2026
    code, _, err = run(capsys, "--read-only", "celery", "enable", "groups: update groups")
    assert code != 0 and "read-only" in err and err.count("\n") == 1
    assert not PeriodicTask.get(PeriodicTask.name == "groups: update groups").enabled
    code, out, _ = run(capsys, "celery", "enable", "groups: update groups", "--json")
    assert json.loads(out)["changed"] is True
    b.close()


def test_run_by_name_and_beat_entry_and_retry(site, capsys):
    code, out, _ = run(
        capsys, "celery", "run", "payment_match", '{"send_reminders": true}', "--json"
    )
    new_id = json.loads(out)["id"]
    [first] = site.messages("celery", 9, 1)
    assert (first.id, first.task, first.kwargs) == (
        new_id,
        "payment_match",
        {"send_reminders": True},
    )
    code, out, _ = run(capsys, "celery", "run", "post_office: cleanup mail")
    [second] = site.messages("celery", 10, 1)
    assert (second.task, second.kwargs) == (
        "post_office.tasks.cleanup_mail",
        {"days": 90, "delete_attachments": True},
    )
    code, _, err = run(capsys, "celery", "run", "payment_match", "[1,")
    assert code != 0 and "not JSON" in err
    # the site's results record no task name or args: retry says so in one line
    code, _, err = run(capsys, "celery", "retry", "861e658a-b07a-45ed-a060-c1bb61dce0d5")
    assert code != 0 and "result_extended" in err and err.count("\n") == 1
    from tqconsole.backends import db as dbs

    db = dbs.from_url(site_url_of(site))
    db.execute_sql(
        "UPDATE django_celery_results_taskresult SET task_name = 'payment_match', "
        "task_args = '\"(3,)\"', task_kwargs = '\"{''send_reminders'': True}\"' WHERE id = 9"
    )
    db.close()
    code, out, _ = run(capsys, "celery", "retry", "861e658a-b07a-45ed-a060-c1bb61dce0d5")
    assert code == 0
    [again] = site.messages("celery", 11, 1)
    assert (again.task, again.args, again.kwargs) == (
        "payment_match",
        [3],
        {"send_reminders": True},
    )
    code, _, err = run(capsys, "--read-only", "celery", "run", "payment_match")
    assert code != 0 and "read-only" in err
    assert site.queues()[0].messages == 12


def site_url_of(_broker) -> str:
    import os

    return os.environ["TQ_DATABASE_URL"]


def test_no_broker_configured_is_one_line(site_url, capsys):
    code, _, err = run(capsys, "celery", "queues")
    assert code != 0 and "TQ_CELERY_BROKER_URL" in err and err.count("\n") == 1
