"""Files (issue 13): uploads and downloads name where on the server they read and write."""

from __future__ import annotations

from tests.support.course_finance_support import run_cli


def test_put_and_get_name_the_bucket_and_the_server(isolated_env, tmp_path, capsys):
    assert run_cli(capsys, "init")[0] == 0
    src = tmp_path / "a.txt"
    src.write_text("hello")
    code, out, _ = run_cli(capsys, "storage", "put", str(src), "media/docs/")
    assert code == 0
    assert f"from {src} into media/docs/ (bucket media on file://" in out
    dest = tmp_path / "back.txt"
    code, out, _ = run_cli(capsys, "storage", "get", "media/docs/a.txt", str(dest))
    assert code == 0 and dest.read_text() == "hello"
    assert "from media/docs/a.txt (bucket media on file://" in out and f"to {dest}" in out
