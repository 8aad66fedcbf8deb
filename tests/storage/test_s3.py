"""S3-only behaviour on moto's server over HTTP: batching, multipart clean-up, failures, interop."""

from __future__ import annotations

import socket
import threading
from urllib.parse import quote

import boto3
import pytest

from tqconsole.backends import storage as storage_family
from tqconsole.backends.storage import Cancelled
from tqconsole.backends.storage.s3 import DELETE_BATCH
from tqconsole.errors import BackendUnavailable, NotFound
from tqconsole.settings import load

MB = 1024 * 1024


@pytest.fixture
def s3(s3_url):
    backend = storage_family.open(load())
    for bucket in backend.buckets.values():
        backend.create_bucket(bucket)
    yield backend
    backend.close()


def direct_client(endpoint: str):
    """A plain boto3 client, as another S3 tool (the AWS CLI, django-storages) would use."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )


@pytest.fixture
def raw(s3_server):
    return direct_client(s3_server)


def requests_of(client, operation: str) -> list[dict]:
    """Record the parameters of every ``operation`` request the client sends."""
    seen: list[dict] = []
    client.meta.events.register(
        f"before-call.s3.{operation}", lambda params, **kw: seen.append(params)
    )
    return seen


def test_delete_is_batched_by_1000(s3):
    from tests.storage.test_backends import seed

    media = s3.storage("media")
    keys = [f"del/{i:05d}" for i in range(2500)]
    seed(media, keys)
    sent = requests_of(media.client, "DeleteObjects")
    result = media.delete(keys)
    sizes = [
        (p["body"] if isinstance(p["body"], bytes) else p["body"].encode()).count(b"<Key>")
        for p in sent
    ]
    assert sizes == [1000, 1000, 500]
    assert sorted(result.deleted) == keys
    assert result.errors == {}
    assert media.list("del/").objects == []
    assert DELETE_BATCH == 1000


def test_save_many_puts_small_files_whole_and_heads_nothing(s3, tmp_path, monkeypatch):
    from tqconsole.backends.storage import s3 as s3_module

    monkeypatch.setattr(s3_module, "SMALL_FILE", 1000)
    media = s3.storage("media")
    items = []
    for size in (10, 1000, 3000):
        path = tmp_path / f"f{size}.bin"
        path.write_bytes(b"s" * size)
        items.append((path, f"many/f{size}.bin"))
    puts = requests_of(media.client, "PutObject")
    heads = requests_of(media.client, "HeadObject")
    seen = {}
    result = media.save_many(items, progress=lambda k, n: seen.update({k: seen.get(k, 0) + n}))
    assert result.done == sorted(key for _, key in items) and result.bytes == 4010
    assert seen == {"many/f10.bin": 10, "many/f1000.bin": 1000, "many/f3000.bin": 3000}
    assert heads == []
    at_once = sorted(p["body"].getvalue() for p in puts if "Expect" not in p["headers"])
    assert at_once == [b"s" * 10, b"s" * 1000]  # 3,000 bytes: the manager, 100-continue
    assert media.read("many/f3000.bin") == b"s" * 3000


def test_delete_reports_failures_per_key(s3):
    ghost = s3.bucket("no-such-bucket-here")
    result = ghost.delete(["a", "b"])
    assert result.deleted == []
    assert set(result.errors) == {"a", "b"}
    assert "does not exist" in result.errors["a"]


def test_cancelled_multipart_upload_is_aborted(s3_url, monkeypatch, raw):
    monkeypatch.setenv("TQ_STORAGE_URL", s3_url + "&multipart_mb=5")
    backend = storage_family.open(load())
    backend.create_bucket(backend.buckets["media"])
    media = backend.storage("media")
    cancel = threading.Event()
    sent = []

    def progress(n):
        sent.append(n)
        if sum(sent) >= 5 * MB:
            cancel.set()

    with pytest.raises(Cancelled):
        media.save("big/video.bin", b"v" * (16 * MB), progress=progress, cancel=cancel)
    assert not media.exists("big/video.bin")
    uploads = raw.list_multipart_uploads(Bucket=media.bucket).get("Uploads", [])
    assert uploads == []
    backend.close()


def test_multipart_upload_roundtrip(s3_url, monkeypatch, raw, tmp_path):
    monkeypatch.setenv("TQ_STORAGE_URL", s3_url + "&multipart_mb=5")
    backend = storage_family.open(load())
    backend.create_bucket(backend.buckets["media"])
    media = backend.storage("media")
    data = bytes(range(256)) * (45 * 1024)  # 11.25 MB: three parts
    parts = requests_of(media.client, "UploadPart")
    local = tmp_path / "film.mp4"
    local.write_bytes(data)
    info = media.save("film.mp4", local)
    assert len(parts) == 3
    assert info.size == len(data) and info.content_type == "video/mp4"
    assert raw.get_object(Bucket=media.bucket, Key="film.mp4")["Body"].read() == data
    backend.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_endpoint_is_one_clear_error(monkeypatch):
    monkeypatch.setenv("TQ_STORAGE_URL", f"s3://k:s@127.0.0.1:{free_port()}?secure=0")
    backend = storage_family.open(load())
    with pytest.raises(BackendUnavailable, match="unreachable"):
        backend.storage("media").list()
    with pytest.raises(BackendUnavailable):
        backend.storage("media").save("a.txt", b"x")


def test_missing_bucket_names_it(s3):
    ghost = s3.bucket("tq-missing-bucket")
    with pytest.raises(NotFound, match="tq-missing-bucket does not exist"):
        ghost.list()
    with pytest.raises(NotFound, match="tq-missing-bucket"):
        ghost.save("a.txt", b"x")


def test_server_stopped_mid_upload(s3_url, monkeypatch):
    """The endpoint goes away during a multipart upload: a clear error, no object."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    monkeypatch.setenv(
        "TQ_STORAGE_URL", f"s3://testing:testing@127.0.0.1:{port}?secure=0&multipart_mb=5"
    )
    backend = storage_family.open(load())
    backend.create_bucket(backend.buckets["finance"])
    finance = backend.storage("finance")
    stopped = []

    def progress(n):
        if not stopped:
            stopped.append(True)
            server.stop()

    with pytest.raises((BackendUnavailable, Cancelled)) as error:
        finance.save("stmt/big.csv", b"1;2\n" * (4 * MB), progress=progress)
    assert "\n" not in str(error.value) and "uploadId" not in str(error.value)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        assert not finance.exists("stmt/big.csv")
    finally:
        backend.close()
        server.stop()


def test_objects_of_other_clients_read_back(s3, raw, tmp_path):
    """What django-storages or the AWS CLI wrote lists and downloads; ours reads back in boto3."""
    media = s3.storage("media")
    raw.put_object(
        Bucket=media.bucket, Key="uploads/Ä photo.jpg", Body=b"\xff\xd8x", ContentType="image/jpeg"
    )
    raw.put_object(Bucket=media.bucket, Key="uploads/folder/", Body=b"")  # a console folder marker
    page = media.list("uploads/")
    assert [o.key for o in page.objects] == ["uploads/Ä photo.jpg"]
    assert page.prefixes == ["uploads/folder/"]
    assert media.stat("uploads/Ä photo.jpg").content_type == "image/jpeg"
    dest = media.download("uploads/Ä photo.jpg", tmp_path / "photo.jpg")
    assert dest.read_bytes() == b"\xff\xd8x"
    payload = bytes(range(256)) * 10
    media.save("ours/data.json", payload)
    obj = raw.get_object(Bucket=media.bucket, Key="ours/data.json")
    assert obj["Body"].read() == payload
    assert obj["ContentType"] == "application/json"


def test_secret_with_a_slash_must_be_encoded(monkeypatch):
    from tqconsole.errors import ConfigError

    with pytest.raises(ConfigError, match="percent-encode") as error:
        storage_family.from_url("s3://AKIA:abc/def+ghi@127.0.0.1:9000?secure=0")
    assert "abc" not in str(error.value)
    backend = storage_family.from_url("s3://AKIA:abc%2Fdef+ghi@127.0.0.1:9000?secure=0")
    assert backend.secret_key == "abc/def+ghi"


def test_bucket_names_from_settings(s3_url, monkeypatch):
    monkeypatch.setenv("TQ_STORAGE_FINANCE_BUCKET", "tq-postfinance")
    backend = storage_family.open(load())
    assert backend.storage("finance").bucket == "tq-postfinance"
    assert backend.endpoint.startswith("http://127.0.0.1:")
    assert (
        backend.storage("media").url("a b.png").endswith(f"/{backend.buckets['media']}/a%20b.png")
    )


def test_aws_cli_reads_and_writes_the_same_bytes(s3, s3_server, tmp_path):
    """The AWS CLI downloads what the console uploaded, and the console what the CLI uploaded."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    aws = shutil.which("aws") or str(Path(sys.executable).parent / "aws")
    if not Path(aws).exists():
        pytest.skip("the AWS CLI is not installed (pip install awscli)")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    media = s3.storage("media")
    ours = bytes(range(256)) * 40
    media.save("interop/ours.bin", ours)
    theirs = tmp_path / "theirs.csv"
    theirs.write_bytes(b"Datum;Betrag\n01.11.2026;120.00\n")

    def aws_cp(src: str, dst: str) -> None:
        subprocess.run(
            [aws, "s3", "cp", "--quiet", "--endpoint-url", s3_server, src, dst],
            check=True,
            env=env,
            timeout=60,
        )

    aws_cp(f"s3://{media.bucket}/interop/ours.bin", str(tmp_path / "back.bin"))
    aws_cp(str(theirs), f"s3://{media.bucket}/interop/theirs.csv")
    assert (tmp_path / "back.bin").read_bytes() == ours
    assert media.read("interop/theirs.csv") == theirs.read_bytes()
    assert media.stat("interop/theirs.csv").content_type == "text/csv"


@pytest.fixture(scope="module")
def auth_server():
    """A moto server of its own that checks credentials and IAM policies.

    The first requests (unauthenticated, allowed by INITIAL_NO_AUTH_ACTION_COUNT)
    create a bucket and a user who may only list it (moto checks HEAD bucket as
    s3:HeadBucket, AWS as s3:ListBucket); every later request is checked.
    """
    import json
    import os
    import subprocess
    import sys

    port = free_port()
    code = (
        "from moto.server import ThreadedMotoServer as T; import sys; "
        f"s = T(ip_address='127.0.0.1', port={port}, verbose=False); s.start(); "
        "print('ready', flush=True); sys.stdin.read(); s.stop()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        env={**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "4"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout.readline().strip() == "ready"
    admin = dict(
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="setup",
        aws_secret_access_key="setup",
    )
    boto3.client("s3", **admin).create_bucket(Bucket="tq-postfinance")
    iam = boto3.client("iam", **admin)
    iam.create_user(UserName="clerk")
    key = iam.create_access_key(UserName="clerk")["AccessKey"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:HeadBucket"], "Resource": "*"}
        ],
    }
    iam.put_user_policy(UserName="clerk", PolicyName="list", PolicyDocument=json.dumps(policy))
    # secrets may hold / and +: a URL carries them percent-encoded
    yield port, key["AccessKeyId"], quote(key["SecretAccessKey"], safe="")
    proc.stdin.close()
    proc.wait(timeout=10)


def test_wrong_credentials_and_access_denied(auth_server):
    from tqconsole.backends.health import Health
    from tqconsole.backends.storage import AccessDenied

    port, key_id, secret = auth_server
    buckets = {"finance": "tq-postfinance"}
    clerk = storage_family.from_url(
        f"s3://{key_id}:{secret}@127.0.0.1:{port}?secure=0", buckets=buckets
    )
    finance = clerk.storage("finance")
    assert finance.list().objects == []  # listing is allowed
    with pytest.raises(AccessDenied, match="access denied"):
        finance.save("bank/new.csv", b"x")
    with pytest.raises(AccessDenied, match="access denied"):
        finance.read("bank/new.csv")
    stranger = storage_family.from_url(
        f"s3://nobody:wrong@127.0.0.1:{port}?secure=0", buckets=buckets
    )
    with pytest.raises(AccessDenied, match="refused the credentials"):
        stranger.storage("finance").list()
    assert clerk.bucket_states() == {"finance": "ok"}
    with pytest.raises(AccessDenied, match="refused the credentials"):
        storage_family.probe(stranger, Health("storage", "Storage", ""))


def test_cli_wrong_credentials_one_line(auth_server, monkeypatch, capsys):
    from tqconsole.cli import main

    port, _, _ = auth_server
    monkeypatch.setenv("TQ_STORAGE_URL", f"s3://nobody:wrong@127.0.0.1:{port}?secure=0")
    monkeypatch.setenv("TQ_STORAGE_FINANCE_BUCKET", "tq-postfinance")
    assert main(["storage", "ls", "finance/"]) == 1
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "tqconsole: listing finance/: the server refused the credentials (InvalidAccessKeyId)"
    ]


def test_django_storages_interop(s3, s3_server):
    """The site writes media through django-storages' S3Storage; both sides read each other."""
    pytest.importorskip("storages")
    from django.conf import settings

    from tqconsole.services.mail.templates import DJANGO_SETTINGS

    if not settings.configured:
        settings.configure(**DJANGO_SETTINGS)
    from django.core.files.base import ContentFile
    from storages.backends.s3 import S3Storage

    media = s3.storage("media")
    site = S3Storage(
        bucket_name=media.bucket,
        endpoint_url=s3_server,
        access_key="testing",
        secret_key="testing",
        region_name="us-east-1",
        addressing_style="path",
        file_overwrite=False,  # as the site's media storage
        querystring_auth=False,
    )
    photo = b"\xff\xd8\xff\xe0" + bytes(range(200))
    name = site.save("courses/12/Tänzerin.jpg", ContentFile(photo))
    assert media.read(name) == photo
    assert media.stat(name).content_type == "image/jpeg"
    assert [o.key for o in media.list("courses/12/").objects] == [name]
    media.save("exports/participants.csv", b"Name;USI\nAnna;ABC123\n")
    with site.open("exports/participants.csv") as fh:
        assert fh.read() == b"Name;USI\nAnna;ABC123\n"
    assert site.exists("exports/participants.csv")
    assert site.url(name).split("://", 1)[1] == media.url(name).split("://", 1)[1]
    again = site.save("courses/12/Tänzerin.jpg", ContentFile(b"other"))
    assert again != name  # the site never overwrites; the console sees both
    assert len(media.list("courses/12/").objects) == 2


def tqconsole_process(*argv: str, timeout: float = 60):
    """``tqconsole ARGV`` in a fresh process (its first S3 call is this one's), time-limited."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "tqconsole", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def test_first_call_of_a_process_is_a_big_upload_or_a_move(s3_url, raw, tmp_path):
    """The transfer manager is made on the first transfer, the client with it: no deadlock."""
    bucket = load().bucket("media")
    raw.create_bucket(Bucket=bucket)
    big = tmp_path / "big.bin"
    big.write_bytes(b"b" * (2 * MB))  # above save_many's single-PUT size: the manager
    done = tqconsole_process("storage", "put", str(big), "media/in/big.bin")
    assert done.returncode == 0, done.stderr
    assert raw.head_object(Bucket=bucket, Key="in/big.bin")["ContentLength"] == 2 * MB
    done = tqconsole_process("storage", "mv", "media/in/big.bin", "out/")
    assert done.returncode == 0, done.stderr
    assert "moved media/in/big.bin to media/out/big.bin" in done.stdout
    keys = [o["Key"] for o in raw.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == ["out/big.bin"]


def test_first_call_of_a_backend_is_a_save(s3_url, raw):
    """What a consumer's first export does: ``save()`` goes through the transfer manager."""
    raw.create_bucket(Bucket=load().bucket("media"))
    backend = storage_family.open(load())  # no client yet
    saved = []
    worker = threading.Thread(
        target=lambda: saved.append(backend.storage("media").save("exports/p.csv", b"a;b\n")),
        daemon=True,
    )
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "save() as a backend's first call hangs"
    assert saved[0].size == 4
    backend.close()
