"""``tqconsole db show/export/participants`` and ``tqconsole subs`` on the demo data."""

from __future__ import annotations

import csv
import io
import json

from tqconsole.cli import main


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_show_filters_sorts_and_limits(demo_sqlite, capsys):
    code, out, _ = run(
        capsys,
        "db",
        "show",
        "courses_subscribe",
        "--filter",
        "state=waiting_list",
        "--sort",
        "-id",
        "--limit",
        "3",
        "--json",
    )
    rows = json.loads(out)
    assert code == 0 and len(rows) == 3
    assert [r["state"] for r in rows] == ["waiting_list"] * 3
    assert rows[0]["id"] > rows[1]["id"] > rows[2]["id"]
    code, out, _ = run(capsys, "db", "show", "courses_subscribe", "--limit", "2")
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["ID", "DATE", "EXPERIENCE"] and len(lines) == 3
    code, out, _ = run(
        capsys, "db", "show", "auth_user", "--filter", "email~@ethz.ch", "--csv", "--limit", "5"
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and all("@ethz.ch" in r["email"] for r in rows)


def test_show_errors_are_one_line(demo_sqlite, capsys):
    code, out, err = run(capsys, "db", "show", "courses_subscribe", "--filter", "amount>=20")
    assert code == 2 and "unknown column 'amount'" in err and "Traceback" not in err
    code, _, err = run(capsys, "db", "show", "nope")
    assert code == 1 and "no table 'nope'" in err
    code, _, err = run(capsys, "db", "show", "courses_subscribe", "--sort=size")
    assert code == 2 and "sort" in err


def test_export_and_participants(demo_sqlite, capsys, tmp_path):
    target = tmp_path / "pay.json"
    code, _, err = run(
        capsys, "db", "export", "payment_payment", str(target), "--filter", "state=new"
    )
    data = json.loads(target.read_text())
    assert code == 0 and f"exported {len(data):,} rows" in err
    assert {d["state"] for d in data} == {"new"}
    code, out, _ = run(capsys, "db", "participants", "3")
    assert code == 0 and out.startswith("first_name,last_name,email,usi,state")
    code, _, err = run(capsys, "db", "export", "payment_payment", str(tmp_path / "x.xlsx"))
    assert code == 2 and "unknown export format" in err


def test_subs_actions_by_usi(demo_sqlite, capsys):
    code, out, _ = run(
        capsys, "db", "show", "courses_subscribe", "--filter", "state=new", "--limit", "1", "--json"
    )
    usi = json.loads(out)[0]["usi"]
    code, out, _ = run(capsys, "subs", "wait", f"usi-{usi.lower()}", "--json")
    (done,) = json.loads(out)["done"]
    assert code == 0 and done["usi"] == usi and done["state"] == "waiting_list"
    assert done["mail"].endswith(" sent")  # the embedded outbox takes the participant's mail
    code, out, _ = run(capsys, "subs", "reject", usi, "--reason", "overbooked")
    assert code == 0 and out.startswith(f"{usi}  rejected") and "sent" in out
    code, out, _ = run(capsys, "subs", "confirm", usi)
    assert code == 1 and "skipped" in out
    code, out, _ = run(capsys, "subs", "find", usi)
    assert "rejected" in out
    code, _, err = run(capsys, "subs", "reject", usi, "--reason", "boredom")
    assert code == 2 and "unknown reason" in err
    code, out, _ = run(
        capsys, "db", "show", "courses_subscribe", "--filter", "state=new", "--limit", "1", "--json"
    )
    other = json.loads(out)[0]["usi"]
    code, _, err = run(capsys, "--read-only", "subs", "confirm", other)
    assert code == 1 and "read-only" in err
    code, out, _ = run(capsys, "subs", "find", other, "--json")
    assert json.loads(out)["values"]["state"] == "new"
