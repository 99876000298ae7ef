"""Readers of the shared data snapshots for the term-structure tests (plain pandas).

Series are named by catalog key; the catalog gives the file name (the FRED id).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from report.catalog import spec


#: catalog key of each Treasury constant-maturity tenor -> maturity in years
CMT_KEYS = {"ust_1m": 1 / 12, "ust_3m": 0.25, "ust_6m": 0.5, "ust_1y": 1.0, "ust_2y": 2.0, "ust_3y": 3.0,
            "ust_5y": 5.0, "ust_7y": 7.0, "ust_10y": 10.0, "ust_20y": 20.0, "ust_30y": 30.0}


def read_fred(fred_dir: Path, key: str) -> pd.Series:
    """One FRED-format CSV (``observation_date,<ID>``) as a float Series named by ``key``."""
    sid = spec(key).source_id
    s = pd.read_csv(Path(fred_dir) / f"{sid}.csv", index_col=0, parse_dates=True)[sid]
    return pd.to_numeric(s, errors="coerce").rename(key)


def read_cmt(fred_dir: Path) -> pd.DataFrame:
    """Treasury CMT yields, percent, one column per maturity in years (1/12 ... 30)."""
    cols = {years: read_fred(fred_dir, key) for key, years in CMT_KEYS.items()}
    return pd.concat(cols, axis=1, sort=True).dropna(how="all")


def read_other(other_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(Path(other_dir) / name, index_col=0, parse_dates=True)


def _by_years(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
    cols = [c for c in frame.columns if c.startswith(prefix) and c[len(prefix):].isdigit()]
    return frame.loc[:, cols].rename(columns={c: float(c[len(prefix):]) for c in cols})


def read_published_acm(other_dir: Path) -> dict[str, pd.DataFrame | pd.Series]:
    """The published ACM series with maturity-in-years columns: ``yields`` and ``tp`` (monthly),
    ``tp10_daily`` (NY Fed daily 10-year premium) and ``zero_daily`` (NY Fed daily fitted yields)."""
    monthly = read_other(other_dir, "acm_term_premium_monthly.csv")
    daily_y = read_other(other_dir, "acm_yields_daily.csv")
    return {
        "yields": _by_years(monthly, "ACMY"),
        "tp": _by_years(monthly, "ACMTP"),
        "tp10_daily": read_other(other_dir, "acm_tp10_daily.csv")["ACMTP10"],
        "zero_daily": _by_years(daily_y, "ACMY"),
    }
