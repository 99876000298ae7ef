"""The on-disk cache: keys, read-only mappings, corrupt entries, uncachable values."""

from __future__ import annotations

import pickle
import warnings
from datetime import date
from types import MappingProxyType

import pytest

from analytics.curve import INVERSION_RULE
from analytics.rules import make_verdict
from report.cache import Cache, CacheWarning


def counting(value):
    calls = {"n": 0}

    def compute():
        calls["n"] += 1
        return value

    return compute, calls


def test_hits_only_for_identical_name_fingerprint_and_parameters(tmp_path):
    c = Cache(tmp_path)
    compute, calls = counting(42)
    assert c.get_or_compute("sec.x", "fp1", {"a": 1}, compute) == 42
    assert c.get_or_compute("sec.x", "fp1", {"a": 1}, compute) == 42
    assert calls["n"] == 1 and c.hits == 1 and c.misses == 1
    c.get_or_compute("sec.x", "fp2", {"a": 1}, compute)  # data changed
    c.get_or_compute("sec.x", "fp1", {"a": 2}, compute)  # parameters changed
    c.get_or_compute("sec.y", "fp1", {"a": 1}, compute)  # another computation
    assert calls["n"] == 4


def test_verdicts_with_read_only_thresholds_round_trip(tmp_path):
    v = make_verdict(INVERSION_RULE, "flat", "Flat.", [], {"flat_below": 0.25}, date(2025, 4, 11))
    c = Cache(tmp_path)
    compute, calls = counting({"verdict": v, "table": MappingProxyType({"x": 1})})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c.get_or_compute("sec.v", "fp", None, compute)
        back = Cache(tmp_path).get_or_compute("sec.v", "fp", None, compute)
    assert calls["n"] == 1
    assert back["verdict"] == v and isinstance(back["verdict"].thresholds, MappingProxyType)
    assert isinstance(back["table"], MappingProxyType)


def test_corrupt_entry_is_recomputed(tmp_path):
    c = Cache(tmp_path)
    compute, calls = counting([1, 2, 3])
    c.get_or_compute("sec.z", "fp", None, compute)
    c.path("sec.z", "fp").write_bytes(b"not a pickle")
    assert c.get_or_compute("sec.z", "fp", None, compute) == [1, 2, 3]
    assert calls["n"] == 2
    assert pickle.loads(c.path("sec.z", "fp").read_bytes()) == [1, 2, 3]


def test_an_uncachable_value_warns_and_is_still_returned(tmp_path):
    c = Cache(tmp_path)
    value = (lambda: None)
    with pytest.warns(CacheWarning, match="result not cached"):
        assert c.get_or_compute("sec.f", "fp", None, lambda: value) is value


def test_unwritable_cache_only_costs_time(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    c = Cache(blocker / "sub")  # cannot create a directory under a file
    compute, calls = counting(7)
    assert c.get_or_compute("sec.a", "fp", None, compute) == 7
    assert c.get_or_compute("sec.a", "fp", None, compute) == 7
    assert calls["n"] == 2


def test_a_write_put_off_keeps_the_value_as_computed_until_written(tmp_path):
    c = Cache(tmp_path)
    compute, calls = counting({"level": 1.0})
    value = c.get_or_compute("frame.x", "fp", None, compute, later=True)
    value["level"] = 2.0  # what happens to the value afterwards is not cached
    assert not c.path("frame.x", "fp").exists()
    assert Cache(tmp_path).get_or_compute("frame.x", "fp", None, lambda: "recomputed") == "recomputed"
    c.write_later()
    assert pickle.loads(c.path("frame.x", "fp").read_bytes()) == {"level": 1.0}
    c.write_later()  # nothing left to write
    assert c.get_or_compute("frame.x", "fp", None, compute) == {"level": 1.0} and calls["n"] == 1


def test_a_write_put_off_can_be_left_to_another_process(tmp_path):
    c = Cache(tmp_path)
    c.get_or_compute("frame.y", "fp", None, lambda: [1, 2], later=True)
    c.forget_later()
    c.write_later()
    assert not c.path("frame.y", "fp").exists()
