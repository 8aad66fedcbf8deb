from tqconsole.sizes import human_size


def test_human_size():
    assert [human_size(n) for n in (0, 1023, 1024, 1536, 5 * 1024**3, 3 * 1024**5)] == [
        "0 B",
        "1023 B",
        "1.0 KB",
        "1.5 KB",
        "5.0 GB",
        "3072.0 TB",
    ]


def test_unknown_size():
    assert human_size(None) == ""
    assert human_size(None, "?") == "?"
