"""Configuration: shipped defaults, desk overrides, validation messages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from analytics.rules import all_rules
from report.config import default_config, load_config
from report.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "desk.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_shipped_defaults_cover_every_rule_and_are_valid():
    cfg = default_config()
    declared = all_rules()
    assert set(cfg.rules) == set(declared)
    for rid, r in declared.items():
        assert set(cfg.rules[rid]) == {p.name for p in r.params}
    assert cfg.brief.page_size == "A4"
    assert [e.name for e in cfg.events][:2] == ["Lehman bankruptcy", "Taper tantrum"]
    assert cfg.events[0].date == date(2008, 9, 15)


def test_desk_file_overrides_only_what_it_sets(tmp_path):
    p = write(tmp_path, '[brief]\ndesk = "Rates Desk"\npage_size = "Letter"\n[rules.curve_inversion]\n'
                        'inverted_below = -0.1\nflat_below = 0.3\n')
    cfg = load_config(p, use_env=False)
    assert cfg.brief.desk == "Rates Desk"
    assert cfg.brief.page_size == "Letter"
    assert cfg.brief.title == default_config().brief.title
    assert cfg.rules["curve_inversion"]["inverted_below"] == -0.1
    assert cfg.files[-1] == str(p)


def test_relative_paths_in_a_desk_file_are_read_from_its_folder(tmp_path):
    p = write(tmp_path, '[data]\nstore = "db/store.sqlite"\n')
    cfg = load_config(p, use_env=False)
    assert cfg.data.store == tmp_path.resolve() / "db" / "store.sqlite"
    assert default_config().data.store == Path("output/store.sqlite")


@pytest.mark.parametrize(
    "text, message",
    [
        ('[brief]\npage_size = "A5"\n', r"\[brief\] page_size: must be one of A4, Letter; got 'A5'"),
        ("[brief]\ncolour = 1\n", r"\[brief\] unknown key 'colour'"),
        ("[rules.curve_inversion]\ninverted_below = \"low\"\n", r"\[rules.curve_inversion\] inverted_below: must be a number"),
        ("[rules.curve_inversion]\ninverted_below = -5.0\n", r"\[rules.curve_inversion\] inverted_below: must be >= -2.0"),
        ("[rules.curve_inversion]\nflat = 0.1\n", r"\[rules.curve_inversion\] flat: unknown parameter"),
        ("[rules.no_such_rule]\nx = 1\n", r"\[rules.no_such_rule\] is not a known rule"),
        ("[data]\nfred_requests_per_second = 0\n", r"\[data\] fred_requests_per_second: must be >= 0.01"),
        ("[output]\nformats = [\"html\", \"docx\"]\n", r"\[output\] formats: 'docx' is not one of html, pdf, tex"),
        ("[brief]\nheadline_series = [\"DGS10\"]\n", r"headline_series: 'DGS10' is not a catalog series key"),
        ("[brief]\nsections = [\"curve\", \"astrology\"]\n", r"unknown section 'astrology'"),
        ("[mail]\nhost = \"x\"\n", r"unknown table \[mail\]"),
        ("[[events]]\nname = \"x\"\n", r"\[\[events\]\] entry 1 must have exactly `name` and `date`"),
        ("[[events]]\nname = \"x\"\ndate = \"2020-13-01\"\n", r"\[events #1\] date: must be a date YYYY-MM-DD"),
        ("[brief\n", r"is not valid TOML"),
    ],
)
def test_bad_values_name_the_file_key_and_reason(tmp_path, text, message):
    p = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(p, use_env=False)
    assert str(p) in str(info.value)


def test_missing_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match=r"config file .*nope.toml not found"):
        load_config(tmp_path / "nope.toml", use_env=False)


def test_environment_variable_selects_the_desk_file(tmp_path, monkeypatch):
    p = write(tmp_path, '[brief]\ndesk = "From Env"\n')
    monkeypatch.setenv("MACROBRIEF_CONFIG", str(p))
    assert load_config().brief.desk == "From Env"


def test_desk_event_list_replaces_the_default_one(tmp_path):
    p = write(tmp_path, '[[events]]\nname = "Volmageddon"\ndate = 2018-02-05\n')
    cfg = load_config(p, use_env=False)
    assert [(e.name, e.date) for e in cfg.events] == [("Volmageddon", date(2018, 2, 5))]


def test_config_is_frozen():
    cfg = default_config()
    with pytest.raises(AttributeError):
        cfg.brief.desk = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        cfg.rules["curve_inversion"]["flat_below"] = 1.0  # type: ignore[index]
