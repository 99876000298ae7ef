"""Validation of the term-structure models against published series (the issue's thresholds).

Reference data nobody here produced: the NY Fed ACM term premia and fitted yields (monthly
replication since 1961; the NY Fed's own daily 10-year premium since 2021 and daily fitted
yields), and the Treasury constant-maturity yields from FRED, all in ../shared/data.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pytest
from _ts_data import read_cmt, read_fred, read_published_acm

from analytics.rules import validate_params
from analytics.termpremium import TP_DRIVER_RULE, acm_from_cmt, decompose_yield, evaluate_tp_driver
from analytics.validation import (
    THRESHOLDS,
    Check,
    ValidationReport,
    agreement,
    closed_form_checks,
    end_to_end_checks,
    estimator_checks,
    nss_checks,
    validate_term_structure,
)

ISSUE_THRESHOLDS = {
    "estimator_corr_min": 0.995, "estimator_rmse_max": 0.06,
    "e2e_tp10_corr_min": 0.97, "e2e_tp10_rmse_max": 0.35,
    "e2e_tp05_corr_min": 0.95, "e2e_tp05_rmse_max": 0.30,
    "e2e_tp02_corr_min": 0.90, "e2e_tp02_rmse_max": 0.25,
    "daily_tp10_corr_min": 0.90, "daily_tp10_rmse_max": 0.30,
    "nss_median_rmse_bp_max": 5.0, "nss_zero_gap_bp": 15.0, "nss_zero_share_min": 0.95,
}


@pytest.fixture(scope="module")
def acm(other_dir):
    return read_published_acm(other_dir)


@pytest.fixture(scope="module")
def cmt(fred_dir):
    return read_cmt(fred_dir)


@pytest.fixture(scope="module")
def run(cmt):
    return acm_from_cmt(cmt, estimation_start="1962-01-01")


def _figures(checks):
    return {c.id: c for c in checks}


def test_thresholds_are_the_issues():
    for k, v in ISSUE_THRESHOLDS.items():
        assert THRESHOLDS[k] == v


def test_estimator_reproduces_published_term_premia(acm):
    checks = _figures(estimator_checks(acm["yields"], acm["tp"]))
    for n in ("02", "05", "10"):
        corr, rmse = checks[f"estimator.tp{n}.corr"], checks[f"estimator.tp{n}.rmse"]
        assert corr.figure >= 0.995, corr
        assert rmse.figure <= 0.06, rmse
        assert corr.passed and rmse.passed
        assert "1961-06-30" in corr.sample and "n=780" in corr.sample


@pytest.mark.slow
def test_end_to_end_from_cmt_yields(run, acm):
    assert run.estimation_start.year == 1962
    checks = _figures(end_to_end_checks(run, acm["tp"], acm["tp10_daily"]))
    bounds = {"10": (0.97, 0.35), "05": (0.95, 0.30), "02": (0.90, 0.25)}
    for n, (cmin, rmax) in bounds.items():
        assert checks[f"end_to_end.tp{n}.corr"].figure >= cmin, checks[f"end_to_end.tp{n}.corr"]
        assert checks[f"end_to_end.tp{n}.rmse"].figure <= rmax, checks[f"end_to_end.tp{n}.rmse"]
        assert checks[f"end_to_end.tp{n}.corr"].sample.startswith("1990-01")
    assert checks["end_to_end.daily_tp10.corr"].figure >= 0.90
    assert checks["end_to_end.daily_tp10.rmse"].figure <= 0.30
    assert checks["end_to_end.daily_tp10.corr"].sample.startswith("2021-08")
    # pricing errors are reported for the short rate and the long end
    assert checks["end_to_end.pricing_rmse_120m"].figure < 5.0


@pytest.mark.slow
def test_nss_fits_of_cmt_yields(run, acm):
    checks = _figures(nss_checks(run.nss, acm["zero_daily"], start="1990-01-01"))
    assert checks["nss.median_rmse_bp"].figure <= 5.0
    assert checks["nss.zero02.share_within"].figure >= 0.95
    assert checks["nss.zero05.share_within"].figure >= 0.95
    # the 10-year gap is reported, not judged: the CMT curve is built from on-the-run issues
    assert checks["nss.zero10.mean_gap_bp"].passed is None
    n_days = int(checks["nss.median_rmse_bp"].sample.split("n=")[1])
    assert n_days > 9000  # every business day since 1990


def test_closed_form_checks_pass():
    checks = closed_form_checks()
    assert all(c.passed for c in checks), [c for c in checks if not c.passed]
    assert {c.id for c in checks} >= {"closed_form.nss_flat", "closed_form.dv01", "closed_form.simulated_tp10.rmse"}


@pytest.mark.slow
def test_validation_report_and_the_verdict_on_real_data(run, cmt, acm, fred_dir):
    rep = validate_term_structure(cmt, acm["yields"], acm["tp"], acm["tp10_daily"], acm["zero_daily"], run=run,
                                  groups=("estimator", "end_to_end", "nss"))
    assert isinstance(rep, ValidationReport)
    assert rep.passed, rep.failures
    assert {"project_tp10", "published_tp10"} <= set(rep.comparison.columns)
    # the production split of the 10-year on the last day with a full curve and breakevens
    d = decompose_yield(read_fred(fred_dir, "ust_10y"), run.daily.risk_neutral[120], run.daily.term_premium[120],
                        breakeven=read_fred(fred_dir, "bei_10y"))
    as_of = d.frame.dropna().index[-1].date()
    defaults = Path(__file__).resolve().parents[1] / "report" / "defaults.toml"
    params = validate_params(TP_DRIVER_RULE, tomllib.loads(defaults.read_text(encoding="utf-8"))["rules"]["tp_driver"])
    v = evaluate_tp_driver(d, as_of=as_of, params=params)
    assert v.state in v.scale
    row = d.frame.dropna().iloc[-1]
    # the split's residual (CMT par yield minus model zero yield) stays within a few tenths
    assert abs(row["residual"]) < 0.3
    assert pd.Timestamp(as_of) >= pd.Timestamp("2026-06-01")


# --- the report objects and the command ----------------------------------------------------


def test_agreement_and_checks_by_hand():
    idx = pd.date_range("2020-01-31", periods=4, freq="ME")
    ref = pd.Series([1.0, 2.0, 3.0, 4.0], idx)
    est = ref + pd.Series([0.1, -0.1, 0.1, -0.1], idx)
    ag = agreement(est, ref, start="2020-02-01")
    assert ag.n == 3 and ag.start == idx[1]
    assert abs(ag.rmse - 0.1) < 1e-12 and abs(ag.mean_diff - (-0.1 + 0.1 - 0.1) / 3) < 1e-12
    rep = ValidationReport("t", (
        Check("a", "g", "a", 0.99, "corr", 0.97, ">=", True),
        Check("b", "g", "b", 0.40, "pp", 0.35, "<=", False),
        Check("c", "g", "c", -8.0, "bp"),
    ))
    assert not rep.passed and [c.id for c in rep.failures] == ["b"]
    assert rep.get("c").passed is None
    with pytest.raises(KeyError, match="no check 'd'"):
        rep.get("d")


def test_validation_input_errors():
    frame = pd.DataFrame({1.0: [1.0]}, index=pd.to_datetime(["2020-01-31"]))
    with pytest.raises(ValueError, match="groups: unknown"):
        validate_term_structure(frame, frame, frame, frame[1.0], frame, groups=("everything",))
    with pytest.raises(ValueError, match="published_tp: missing maturity"):
        estimator_checks(pd.DataFrame({float(n): [1.0] * 40 for n in range(1, 11)},
                                      index=pd.date_range("2000-01-31", periods=40, freq="ME")), frame)
    with pytest.raises(TypeError, match="indexed by date"):
        estimator_checks(frame.reset_index(drop=True), frame)


def test_validate_command_without_data(tmp_path, capsys):
    from report.cli import main

    rc = main(["validate", "--data-dir", str(tmp_path), "-q"])
    assert rc == 3
    assert "validation needs the series" in capsys.readouterr().err


@pytest.mark.slow
def test_validate_command_prints_each_figure(shared_data, capsys):
    from report.cli import main

    rc = main(["validate", "--data-dir", str(shared_data), "-q", "--groups", "estimator,closed_form"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "[estimator]" in out and "[closed_form]" in out
    line = next(ln for ln in out.splitlines() if "10-year term premium from published yields: RMSE" in ln)
    assert "<= 0.0600" in line and "PASS" in line
    assert out.rstrip().endswith("checks pass.")


def test_validate_command_rejects_unknown_groups(tmp_path, capsys):
    from report.cli import main

    assert main(["validate", "--data-dir", str(tmp_path), "--groups", "estimator,everything", "-q"]) == 2
    assert "--groups: unknown everything" in capsys.readouterr().err
