"""Each storage with its own endpoint and keys, as the site's TQ_S3_<STORAGE>_* give them:
media and static on one moto server, finance on another (its own process, so the two
hold different buckets), through the CLI, the services and the Buckets screen."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import uuid

import pytest

from tests.support.tasks_support import wait_for
from tests.support.tui_support import settle
from tqconsole.cli import main

SERVE = (
    "import signal, sys\n"
    "from moto.server import ThreadedMotoServer\n"
    "ThreadedMotoServer(ip_address='127.0.0.1', port=int(sys.argv[1]), verbose=False).start()\n"
    "signal.pause()\n"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


@pytest.fixture(scope="module")
def other_s3():
    """A second ThreadedMotoServer, in a process of its own (moto's state is per process)."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(port)], stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: answers(port), timeout=60, interval=0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def client(endpoint: str, key: str):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=key,
        aws_secret_access_key="s3cret",
        region_name="us-east-1",
    )


def buckets_at(endpoint: str) -> set[str]:
    return {b["Name"] for b in client(endpoint, "x").list_buckets()["Buckets"]}


@pytest.fixture
def site(s3_server, other_s3, sqlite_url, tmp_path):
    """A site env file: media and static at ``s3_server``, finance at ``other_s3``."""
    suffix = uuid.uuid4().hex[:8]
    lines = []
    for storage, endpoint, key in (
        ("MEDIA", s3_server, "media-key"),
        ("STATIC", s3_server, "media-key"),
        ("FINANCE", other_s3, "finance-key"),
    ):
        host, port = endpoint.removeprefix("http://").split(":")
        values = {"HOST": host, "PORT": port, "REGION": "us-east-1", "USE_SSL": "false"}
        values |= {"ACCESS_KEY": key, "SECRET_KEY": "s3cret", "CUSTOM_DOMAIN": ""}
        values["BUCKET"] = f"site-{storage.lower()}-{suffix}"
        lines += [f"TQ_S3_{storage}_{k}={v}" for k, v in values.items()]
    lines.append("TQ_S3_STATIC_CUSTOM_DOMAIN={}.static.example.org")
    env_file = tmp_path / "site.env"
    env_file.write_text("\n".join(lines) + "\n")
    return {"file": str(env_file), "suffix": suffix, "media": s3_server, "finance": other_s3}


def test_init_and_objects_go_to_each_storages_own_endpoint(site, capsys):
    env, suffix = site["file"], site["suffix"]
    assert main(["--site-env", env, "init"]) == 0
    media, static, finance = (f"site-{s}-{suffix}" for s in ("media", "static", "finance"))
    assert {media, static} <= buckets_at(site["media"])
    assert finance not in buckets_at(site["media"])
    assert finance in buckets_at(site["finance"])
    assert not {media, static} & buckets_at(site["finance"])

    client(site["finance"], "finance-key").put_object(Bucket=finance, Key="bank/a.csv", Body=b"x")
    capsys.readouterr()
    assert main(["--site-env", env, "storage", "ls", "finance/bank/", "--json"]) == 0
    assert '"bank/a.csv"' in capsys.readouterr().out
    assert main(["--site-env", env, "storage", "ls", "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count('"state": "ok"') == 3

    # the public static storage links through its custom domain, as the site's does
    client(site["media"], "media-key").put_object(Bucket=static, Key="css/a.css", Body=b"a{}")
    assert main(["--site-env", env, "storage", "url", "static/css/a.css"]) == 0
    assert capsys.readouterr().out.strip() == f"http://{static}.static.example.org/css/a.css"
    # the private finance storage stays presigned, at its own endpoint
    assert main(["--site-env", env, "storage", "url", "finance/bank/a.csv"]) == 0
    url = capsys.readouterr().out.strip()
    assert url.startswith(f"{site['finance']}/{finance}/bank/a.csv?") and "X-Amz-" in url

    assert main(["--site-env", env, "check"]) in (0, 1)
    out = capsys.readouterr().out
    port = site["finance"].rsplit(":", 1)[1]
    assert f"setting: storage_finance_url = s3://finance-key:***@127.0.0.1:{port}" in out
    assert "(from TQ_S3_FINANCE_* (site env file" in out
    assert "storage_static_url" not in out  # static shares the media storage's endpoint
    assert "s3cret" not in out
    assert main(["--site-env", env, "check", "--json"]) in (0, 1)
    [storage] = [r for r in json.loads(capsys.readouterr().out) if r["family"] == "storage"]
    figures = storage["figures"]
    assert (
        figures["finance"] == f"{finance} (private, ok) at S3 http://127.0.0.1:{port} (us-east-1)"
    )
    assert figures["static"] == f"{static} (public, ok)"


async def test_buckets_screen_lists_and_browses_the_three_endpoints(site):
    from tqconsole.app import TQConsole
    from tqconsole.settings import load
    from tqconsole.widgets.lists import KeyTable

    assert main(["--site-env", site["file"], "init"]) == 0
    finance = f"site-finance-{site['suffix']}"
    client(site["finance"], "finance-key").put_object(Bucket=finance, Key="zkb.csv", Body=b"1")
    app = TQConsole(load(site_env=site["file"]), location="buckets")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = pilot.app.screen.query_one(KeyTable)
        assert [str(r.key.value) for r in table.ordered_rows] == ["media", "static", "finance"]
        assert table.get_cell("finance", "objects") == "1"
        assert table.get_cell("media", "objects") == "0"
        await pilot.press("G", "enter")
        await settle(pilot)
        assert pilot.app.screen.location == "buckets/finance"
        rows = pilot.app.screen.query_one(KeyTable).ordered_rows
        assert [str(r.key.value) for r in rows] == ["zkb.csv"]
