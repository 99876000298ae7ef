"""The series catalog: every series the brief uses, and the only place that names a source id.

The rest of the code refers to series by their catalog *key* (``"ust_10y"``), never by a FRED
id (``"DGS10"``). Each entry says where the series comes from, its units and frequency, how
the brief transforms it, and how its point-in-time availability is known:

* ``vintage="alfred"``: a revised macro series; the FRED source asks ALFRED for its vintages.
* ``vintage="none"``: market data or a series that is not revised in substance.

``release_lag_days`` is how many days after the end of an observation's period the value
is first published. It dates observations that arrive without vintage information (CSV files,
importers), so that a brief as of a past date only sees what had been published by then.

Sources
-------
``fred``           FRED/ALFRED (API through fredapi, or a directory of FRED CSV downloads)
``file``           a series FRED does not carry, supplied as a CSV in FRED's download layout
``acm``            NY Fed ACM term structure file (monthly; yields, term premia, risk-neutral)
``acm_daily``      NY Fed ACM daily file (10-year term premium, fitted yields)
``shiller``        Robert Shiller's monthly S&P composite data
``lbma``           LBMA gold price file
``gold_monthly``   monthly gold price file
``g8``             daily G8 short/long government yields and policy rates file
``gsw``            Federal Reserve GSW (Gurkaynak-Sack-Wright) yield curve file
``cftc_tff``       CFTC Traders in Financial Futures report (Treasury futures)
``cftc_legacy``    CFTC Commitments of Traders, legacy report (gold)
``futures``        commodity futures settlement curves and futures-ETF prices
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "SeriesSpec",
    "CATALOG",
    "FREQUENCIES",
    "SOURCES",
    "spec",
    "keys_for_source",
    "key_for_source_id",
    "validate_keys",
    "FUTURES_ROOTS",
    "FUTURES_POSITIONS",
    "FUTURES_ETFS",
]

FREQUENCIES = MappingProxyType(
    {"D": "daily", "W": "weekly", "M": "monthly", "Q": "quarterly", "A": "annual"}
)
SOURCES = (
    "fred",
    "file",
    "acm",
    "acm_daily",
    "shiller",
    "lbma",
    "gold_monthly",
    "g8",
    "gsw",
    "cftc_tff",
    "cftc_legacy",
    "futures",
)


@dataclass(frozen=True)
class SeriesSpec:
    """One catalog entry.

    Attributes
    ----------
    key : logical name used everywhere in the code.
    source_id : id at the source (FRED id, or column name in the published file).
    title : human title, shown in the provenance table.
    units : units of the stored values (``percent`` is percent, not decimal).
    frequency : one of ``FREQUENCIES``.
    group : provenance grouping.
    source : one of ``SOURCES``.
    vintage : ``"alfred"`` for revised series, ``"none"`` otherwise.
    release_lag_days : days after the period end before a value is published.
    transform : how the brief uses the series (documentation for the method notes).
    note : caveat shown in provenance (discontinuations, proxies).
    """

    key: str
    source_id: str
    title: str
    units: str
    frequency: str
    group: str
    source: str = "fred"
    vintage: str = "none"
    release_lag_days: int = 0
    transform: str = "level"
    note: str = ""

    @property
    def is_revised(self) -> bool:
        return self.vintage == "alfred"


_ROWS: list[SeriesSpec] = []


def _s(key, source_id, title, units, frequency, group, **kw) -> None:
    _ROWS.append(SeriesSpec(key, source_id, title, units, frequency, group, **kw))


# --- Treasury curve (H.15 constant maturity, par yields, percent) -------------------------
_G = "Treasury curve"
for _key, _sid, _title in [
    ("ust_1m", "DGS1MO", "1-month Treasury constant-maturity yield"),
    ("ust_3m", "DGS3MO", "3-month Treasury constant-maturity yield"),
    ("ust_6m", "DGS6MO", "6-month Treasury constant-maturity yield"),
    ("ust_1y", "DGS1", "1-year Treasury constant-maturity yield"),
    ("ust_2y", "DGS2", "2-year Treasury constant-maturity yield"),
    ("ust_3y", "DGS3", "3-year Treasury constant-maturity yield"),
    ("ust_5y", "DGS5", "5-year Treasury constant-maturity yield"),
    ("ust_7y", "DGS7", "7-year Treasury constant-maturity yield"),
    ("ust_10y", "DGS10", "10-year Treasury constant-maturity yield"),
    ("ust_20y", "DGS20", "20-year Treasury constant-maturity yield"),
    ("ust_30y", "DGS30", "30-year Treasury constant-maturity yield"),
]:
    _s(_key, _sid, _title, "percent", "D", _G)
_s("tbill_3m", "DTB3", "3-month Treasury bill, secondary market (discount basis)", "percent", "D", _G)
_s("spread_10y2y", "T10Y2Y", "10-year minus 2-year Treasury spread", "percent", "D", _G)
_s("spread_10y3m", "T10Y3M", "10-year minus 3-month Treasury spread", "percent", "D", _G)

# --- Real yields and inflation compensation ------------------------------------------------
_G = "Real yields and breakevens"
_s("tips_5y", "DFII5", "5-year TIPS real yield", "percent", "D", _G)
_s("tips_10y", "DFII10", "10-year TIPS real yield", "percent", "D", _G)
_s("tips_20y", "DFII20", "20-year TIPS real yield", "percent", "D", _G)
_s("tips_30y", "DFII30", "30-year TIPS real yield", "percent", "D", _G)
_s("bei_5y", "T5YIE", "5-year breakeven inflation", "percent", "D", _G)
_s("bei_10y", "T10YIE", "10-year breakeven inflation", "percent", "D", _G)
_s("bei_5y5y", "T5YIFR", "5-year, 5-year forward inflation expectation", "percent", "D", _G)

# --- Policy and funding rates ---------------------------------------------------------------
_G = "Policy and funding rates"
_s("fed_target_lower", "DFEDTARL", "Fed funds target range, lower limit", "percent", "D", _G)
_s("fed_target_upper", "DFEDTARU", "Fed funds target range, upper limit", "percent", "D", _G)
_s("effr_7d", "DFF", "Effective federal funds rate (every calendar day)", "percent", "D", _G, release_lag_days=1)
_s("effr", "EFFR", "Effective federal funds rate (NY Fed, business days)", "percent", "D", _G, release_lag_days=1)
_s("fedfunds_m", "FEDFUNDS", "Effective federal funds rate, monthly average", "percent", "M", _G, release_lag_days=1)
_s("iorb", "IORB", "Interest rate on reserve balances", "percent", "D", _G)
_s("ioer", "IOER", "Interest rate on excess reserves (until 2021-07-28)", "percent", "D", _G,
   note="discontinued 2021-07-28, succeeded by IORB")
_s("sofr", "SOFR", "Secured Overnight Financing Rate", "percent", "D", _G, release_lag_days=1)
_s("sofr_30d", "SOFR30DAYAVG", "SOFR 30-day average", "percent", "D", _G, release_lag_days=1)
_s("ecb_deposit", "ECBDFR", "ECB deposit facility rate", "percent", "D", _G)

# --- Fed balance sheet and plumbing -----------------------------------------------------------
_G = "Fed balance sheet and plumbing"
_s("rrp", "RRPONTSYD", "Overnight reverse repurchase agreements, total accepted", "usd_bn", "D", _G)
_s("reserves", "WRESBAL", "Reserve balances with Federal Reserve Banks", "usd_mn", "W", _G, release_lag_days=1)
_s("tga", "WTREGEN", "Treasury General Account", "usd_bn", "W", _G, release_lag_days=1)
_s("fed_assets", "WALCL", "Fed total assets (Wednesday level)", "usd_mn", "W", _G, release_lag_days=1)
_s("fed_treasuries", "TREAST", "Fed holdings of Treasury securities", "usd_mn", "W", _G, release_lag_days=1)
_s("fed_mbs", "WSHOMCB", "Fed holdings of mortgage-backed securities", "usd_mn", "W", _G, release_lag_days=1)
_s("discount_window", "WLCFLPCL", "Primary credit (discount window) loans", "usd_mn", "W", _G, release_lag_days=1)

# --- Credit -------------------------------------------------------------------------------------
_G = "Credit"
_s("aaa_10y", "AAA10Y", "Moody's Aaa corporate yield minus 10-year Treasury", "percent", "D", _G)
_s("baa_10y", "BAA10Y", "Moody's Baa corporate yield minus 10-year Treasury", "percent", "D", _G)
_s("aaa_yield", "DAAA", "Moody's Aaa corporate bond yield", "percent", "D", _G)
_s("baa_yield", "DBAA", "Moody's Baa corporate bond yield", "percent", "D", _G)
_s("ig_oas", "BAMLC0A0CM", "ICE BofA U.S. corporate (investment grade) OAS", "percent", "D", _G)
_s("hy_oas", "BAMLH0A0HYM2", "ICE BofA U.S. high yield OAS", "percent", "D", _G)
_s("mortgage_30y", "MORTGAGE30US", "30-year fixed mortgage rate (Freddie Mac)", "percent", "W", _G)

# --- Equities and volatility ------------------------------------------------------------------
_G = "Equities and volatility"
_s("sp500", "SP500", "S&P 500 index", "index", "D", _G, note="FRED carries a 10-year window only")
_s("nasdaq", "NASDAQCOM", "NASDAQ Composite index", "index", "D", _G)
_s("nikkei225", "NIKKEI225", "Nikkei 225 index", "index", "D", _G, note="proxy for TOPIX when TOPIX is not loaded")
_s("topix", "TOPIX", "TOPIX index", "index", "D", _G, source="file",
   note="not on FRED; supply TOPIX.csv in FRED's CSV layout")
_s("vix", "VIXCLS", "CBOE Volatility Index (VIX)", "index", "D", _G)
_s("vix3m", "VXVCLS", "CBOE 3-month Volatility Index (VIX3M)", "index", "D", _G)

# --- Dollar and FX --------------------------------------------------------------------------------
_G = "Dollar and FX"
_s("usd_broad", "DTWEXBGS", "Nominal broad U.S. dollar index", "index", "D", _G, release_lag_days=7)
_s("usd_afe", "DTWEXAFEGS", "Nominal U.S. dollar index vs advanced foreign economies", "index", "D", _G, release_lag_days=7)
_s("usd_eme", "DTWEXEMEGS", "Nominal U.S. dollar index vs emerging economies", "index", "D", _G, release_lag_days=7)
_s("eurusd", "DEXUSEU", "U.S. dollars per euro", "usd_per_fx", "D", _G, release_lag_days=7)
_s("usdjpy", "DEXJPUS", "Japanese yen per U.S. dollar", "fx_per_usd", "D", _G, release_lag_days=7)
_s("gbpusd", "DEXUSUK", "U.S. dollars per pound sterling", "usd_per_fx", "D", _G, release_lag_days=7)
_s("usdcad", "DEXCAUS", "Canadian dollars per U.S. dollar", "fx_per_usd", "D", _G, release_lag_days=7)
_s("audusd", "DEXUSAL", "U.S. dollars per Australian dollar", "usd_per_fx", "D", _G, release_lag_days=7)
_s("usdchf", "DEXSZUS", "Swiss francs per U.S. dollar", "fx_per_usd", "D", _G, release_lag_days=7)
_s("usdcny", "DEXCHUS", "Chinese yuan per U.S. dollar", "fx_per_usd", "D", _G, release_lag_days=7)

# --- Commodities ----------------------------------------------------------------------------------
_G = "Commodities"
_s("wti", "DCOILWTICO", "WTI crude oil spot price", "usd_per_bbl", "D", _G, release_lag_days=1)
_s("brent", "DCOILBRENTEU", "Brent crude oil spot price", "usd_per_bbl", "D", _G, release_lag_days=1)
_s("gold_pm", "gold_lbma_pm_usd", "LBMA gold price, PM fix", "usd_per_oz", "D", _G, source="lbma",
   note="FRED withdrew the LBMA series in 2022; read from the LBMA file")
_s("gold_monthly", "Price", "Gold price, monthly average", "usd_per_oz", "M", _G, source="gold_monthly")
_s("ppi_commodities", "PPIACO", "Producer price index, all commodities", "index", "M", _G,
   vintage="alfred", release_lag_days=14)

# --- U.S. macro -----------------------------------------------------------------------------------
_G = "U.S. macro"
_s("cpi", "CPIAUCSL", "CPI, all urban consumers, all items (SA)", "index", "M", _G, vintage="alfred",
   release_lag_days=14, transform="yoy")
_s("core_cpi", "CPILFESL", "CPI less food and energy (SA)", "index", "M", _G, vintage="alfred",
   release_lag_days=14, transform="yoy")
_s("pce_price", "PCEPI", "PCE price index", "index", "M", _G, vintage="alfred", release_lag_days=30, transform="yoy")
_s("core_pce", "PCEPILFE", "PCE price index less food and energy", "index", "M", _G, vintage="alfred",
   release_lag_days=30, transform="yoy")
_s("gdp", "GDP", "Nominal GDP (SAAR)", "usd_bn", "Q", _G, vintage="alfred", release_lag_days=30, transform="yoy")
_s("real_gdp", "GDPC1", "Real GDP (chained dollars, SAAR)", "usd_bn", "Q", _G, vintage="alfred",
   release_lag_days=30, transform="yoy")
_s("payrolls", "PAYEMS", "Nonfarm payrolls", "thousands", "M", _G, vintage="alfred", release_lag_days=7,
   transform="diff")
_s("unemployment", "UNRATE", "Unemployment rate", "percent", "M", _G, vintage="alfred", release_lag_days=7)
_s("indpro", "INDPRO", "Industrial production index", "index", "M", _G, vintage="alfred",
   release_lag_days=16, transform="yoy")
_s("claims", "ICSA", "Initial jobless claims", "persons", "W", _G, vintage="alfred", release_lag_days=5)
_s("umich", "UMCSENT", "University of Michigan consumer sentiment", "index", "M", _G, vintage="alfred")
_s("m2", "M2SL", "M2 money stock", "usd_bn", "M", _G, vintage="alfred", release_lag_days=25, transform="yoy")
_s("m2_real", "M2REAL", "Real M2 money stock", "usd_bn", "M", _G, vintage="alfred", release_lag_days=25,
   transform="yoy")
_s("bus_loans", "BUSLOANS", "Commercial and industrial loans, all commercial banks", "usd_bn", "M", _G,
   vintage="alfred", release_lag_days=10, transform="yoy")
_s("bank_credit", "TOTBKCR", "Bank credit, all commercial banks", "usd_bn", "W", _G, vintage="alfred",
   release_lag_days=10, transform="yoy")
_s("business_investment", "PNFI", "Private nonresidential fixed investment", "usd_bn", "Q", _G,
   vintage="alfred", release_lag_days=30, transform="yoy")
_s("household_dsr", "TDSP", "Household debt service payments, percent of disposable income", "percent", "Q",
   _G, vintage="alfred", release_lag_days=100)
_s("recession", "USREC", "NBER recession indicator", "flag", "M", _G,
   note="NBER dates recessions with a lag; used for chart shading")
_s("nfci", "NFCI", "Chicago Fed National Financial Conditions Index", "index", "W", _G, vintage="alfred",
   release_lag_days=5)
_s("anfci", "ANFCI", "Chicago Fed adjusted NFCI", "index", "W", _G, vintage="alfred", release_lag_days=5)
_s("stlfsi", "STLFSI4", "St. Louis Fed Financial Stress Index", "index", "W", _G, release_lag_days=5)

# --- Fiscal -----------------------------------------------------------------------------------------
_G = "Fiscal"
_s("debt_gdp", "GFDEGDQ188S", "Federal debt, total public debt, percent of GDP", "percent", "Q", _G,
   vintage="alfred", release_lag_days=90)
_s("federal_debt", "GFDEBTN", "Federal debt, total public debt", "usd_mn", "Q", _G, vintage="alfred",
   release_lag_days=90)
_s("deficit_gdp", "FYFSGDA188S", "Federal surplus or deficit, percent of GDP (fiscal year)", "percent", "A",
   _G, vintage="alfred", release_lag_days=120)
_s("federal_interest", "A091RC1Q027SBEA", "Federal government current expenditures: interest payments", "usd_bn",
   "Q", _G, vintage="alfred", release_lag_days=60)

# --- International: long yields (OECD, monthly averages) ---------------------------------------
_G = "International rates"
for _c, _name in [("us", "United States"), ("de", "Germany"), ("jp", "Japan"), ("gb", "United Kingdom"),
                  ("au", "Australia"), ("ca", "Canada"), ("ch", "Switzerland"), ("fr", "France"),
                  ("it", "Italy"), ("ez", "Euro area")]:
    _s(f"y10_{_c}", f"IRLTLT01{_c.upper()}M156N", f"10-year government bond yield, {_name} (OECD)", "percent",
       "M", _G, release_lag_days=20)
# short (3-month interbank) rates
for _c, _name in [("de", "Germany"), ("jp", "Japan"), ("gb", "United Kingdom"), ("au", "Australia"),
                  ("ca", "Canada"), ("ch", "Switzerland")]:
    _s(f"st_{_c}", f"IR3TIB01{_c.upper()}M156N", f"3-month interbank rate, {_name} (OECD)", "percent", "M", _G,
       release_lag_days=20)
_s("policy_jp_m", "IRSTCI01JPM156N", "Immediate (call money) rate, Japan (OECD)", "percent", "M", _G,
   release_lag_days=20)
_s("policy_au_m", "IRSTCI01AUM156N", "Immediate (cash) rate, Australia (OECD)", "percent", "M", _G,
   release_lag_days=20)
# daily rates from the G8 file (2021 onwards)
for _key, _col, _title in [
    ("g8_de_10y", "EUR_BILL_10Y", "Euro area AAA 10-year government yield (ECB curve)"),
    ("g8_gb_10y", "GBP_BILL_10Y", "U.K. 10-year gilt yield (BoE)"),
    ("g8_jp_10y", "JPY_BILL_10Y", "Japan 10-year JGB yield (MoF)"),
    ("g8_jp_2y", "JPY_BILL_2Y", "Japan 2-year JGB yield (MoF)"),
    ("g8_de_2y", "EUR_BILL_2Y", "Euro area AAA 2-year government yield (ECB curve)"),
    ("g8_gb_2y", "GBP_BILL_2Y", "U.K. 2-year gilt yield (BoE)"),
    ("g8_ez_floor", "FLOOR_EUR", "ECB deposit facility rate"),
    ("g8_gb_policy", "GB_POLICY", "Bank of England Bank Rate"),
    ("g8_jp_policy", "JP_POLICY", "Bank of Japan policy rate"),
    ("g8_au_policy", "AU_POLICY", "Reserve Bank of Australia cash rate target"),
    ("g8_ca_floor", "FLOOR_CAD", "Bank of Canada deposit rate"),
    ("g8_ch_policy", "CH_POLICY", "Swiss National Bank policy rate"),
    ("g8_estr", "ESTR", "Euro short-term rate (euro area overnight)"),
    ("g8_sonia", "SONIA", "SONIA (U.K. overnight)"),
    ("g8_tona", "TONA", "TONA (Japan overnight)"),
    ("g8_aonia", "AONIA", "AONIA (Australia overnight)"),
    ("g8_corra", "CORRA", "CORRA (Canada overnight)"),
    ("g8_au_3m", "AUD_BILL_3M", "Australia 3-month bank bill yield (RBA)"),
    ("g8_ca_3m", "CAD_BILL_3M", "Canada 3-month Treasury bill yield (BoC)"),
    ("g8_de_3m", "EUR_BILL_3M", "Euro area AAA 3-month government yield (ECB curve)"),
]:
    _s(_key, _col, _title, "percent", "D", _G, source="g8", release_lag_days=1)

# --- International: inflation and credit ---------------------------------------------------------
_G = "International macro"
_s("hicp_ea", "CP0000EZ19M086NEST", "Euro area (EA19) HICP", "index", "M", _G, release_lag_days=17, transform="yoy")
_s("hicp_ea_cc", "CP0000EZCCM086NEST", "Euro area HICP (changing composition)", "index", "M", _G,
   release_lag_days=17, transform="yoy")
_s("hicp_de", "CP0000DEM086NEST", "Germany HICP", "index", "M", _G, release_lag_days=17, transform="yoy")
_s("hicp_ch", "CP0000CHM086NEST", "Switzerland HICP", "index", "M", _G, release_lag_days=17, transform="yoy")
for _c, _sid, _name, _freq in [
    ("jp", "JPNCPIALLMINMEI", "Japan", "M"),
    ("gb", "GBRCPIALLMINMEI", "United Kingdom", "M"),
    ("ca", "CANCPIALLMINMEI", "Canada", "M"),
    ("au", "AUSCPIALLQINMEI", "Australia", "Q"),
]:
    _s(f"cpi_{_c}", _sid, f"Consumer prices, all items, {_name} (OECD)", "index", _freq, _G,
       release_lag_days=30 if _freq == "M" else 30, transform="yoy")
for _c, _name in [("us", "United States"), ("de", "Germany"), ("jp", "Japan"), ("gb", "United Kingdom"),
                  ("au", "Australia"), ("ca", "Canada"), ("ch", "Switzerland")]:
    _s(f"credit_{_c}", f"Q{_c.upper()}PAM770A", f"Credit to the private non-financial sector, {_name} (BIS, % of GDP)",
       "percent", "Q", _G, release_lag_days=180)

# --- Term structure files (NY Fed ACM, Fed GSW) -----------------------------------------------------
_G = "Term structure models"
for _n in range(1, 11):
    _s(f"acm_y{_n:02d}", f"ACMY{_n:02d}", f"ACM fitted {_n}-year zero-coupon yield (monthly)", "percent", "M", _G,
       source="acm", release_lag_days=1)
    _s(f"acm_tp{_n:02d}", f"ACMTP{_n:02d}", f"ACM {_n}-year term premium (monthly)", "percent", "M", _G,
       source="acm", release_lag_days=1)
    _s(f"acm_rny{_n:02d}", f"ACMRNY{_n:02d}", f"ACM {_n}-year risk-neutral yield (monthly)", "percent", "M", _G,
       source="acm", release_lag_days=1)
_s("kw_tp10", "THREEFYTP10", "Kim-Wright 10-year term premium (Federal Reserve Board)", "percent", "D", _G,
   release_lag_days=7, note="three-factor model of Kim and Wright (2005), estimated by the Board")
_s("acm_tp10_daily", "ACMTP10", "ACM 10-year term premium, NY Fed daily", "percent", "D", _G, source="acm_daily",
   release_lag_days=1)
for _n in (1, 2, 3, 5, 10):
    _s(f"acmd_y{_n:02d}", f"ACMY{_n:02d}", f"ACM fitted {_n}-year zero-coupon yield, daily", "percent", "D", _G,
       source="acm_daily", release_lag_days=1)
for _p in ("BETA0", "BETA1", "BETA2", "BETA3", "TAU1", "TAU2"):
    _s(f"gsw_{_p.lower()}", _p, f"GSW Svensson parameter {_p}", "param", "D", _G, source="gsw", release_lag_days=1)
for _n in range(1, 31):
    _s(f"gsw_zero_{_n:02d}", f"SVENY{_n:02d}", f"GSW {_n}-year zero-coupon yield (continuously compounded)",
       "percent", "D", _G, source="gsw", release_lag_days=1)

# --- Long-history equity fundamentals (Shiller) -----------------------------------------------------
_G = "Equity fundamentals"
_s("shiller_price", "SP500", "S&P composite price, monthly average (Shiller)", "index", "M", _G, source="shiller")
_s("shiller_dividend", "Dividend", "S&P composite dividends, trailing 12 months (Shiller)", "usd", "M", _G,
   source="shiller", release_lag_days=90)
_s("shiller_earnings", "Earnings", "S&P composite earnings, trailing 12 months (Shiller)", "usd", "M", _G,
   source="shiller", release_lag_days=120)
_s("shiller_cpi", "Consumer Price Index", "CPI used by Shiller", "index", "M", _G, source="shiller",
   release_lag_days=14)
_s("shiller_long_rate", "Long Interest Rate", "Long interest rate, 10-year Treasury (Shiller)", "percent", "M",
   _G, source="shiller")
_s("shiller_real_price", "Real Price", "S&P composite real price (Shiller)", "index", "M", _G, source="shiller",
   release_lag_days=14)
_s("shiller_real_earnings", "Real Earnings", "S&P composite real earnings (Shiller)", "usd", "M", _G,
   source="shiller", release_lag_days=120)
_s("shiller_cape", "PE10", "Cyclically adjusted P/E ratio, CAPE (Shiller)", "ratio", "M", _G, source="shiller",
   release_lag_days=120)

# --- Positioning (CFTC) ---------------------------------------------------------------------------
_G = "Positioning"
for _fut, _name in [("2y", "2-year note"), ("5y", "5-year note"), ("10y", "10-year note"),
                    ("ultra10", "Ultra 10-year note"), ("bond", "Treasury bond"), ("ultrabond", "Ultra Treasury bond")]:
    for _side in ("long", "short"):
        _s(f"tff_lev_{_fut}_{_side}", f"{_fut}:lev_money_{_side}",
           f"Leveraged funds {_side} positions, {_name} futures (CFTC TFF)", "contracts", "W", _G,
           source="cftc_tff", release_lag_days=3)
    _s(f"tff_oi_{_fut}", f"{_fut}:open_interest", f"Open interest, {_name} futures (CFTC TFF)", "contracts", "W",
       _G, source="cftc_tff", release_lag_days=3)
_s("cftc_gold_net", "net_long", "COMEX gold, non-commercial net long (CFTC legacy)", "contracts", "W", _G,
   source="cftc_legacy", release_lag_days=3)
_s("cftc_gold_oi", "open_interest", "COMEX gold open interest (CFTC legacy)", "contracts", "W", _G,
   source="cftc_legacy", release_lag_days=3)

# --- Commodity and VIX futures curves, futures ETFs (report/sources/futures.py) -----------------
# Constant-position series built from settlement files: ``fut_<root>_c<n>`` is the settlement
# price of the n-th nearest contract still trading on each date, ``fut_<root>_d<n>`` its calendar
# days to expiry. ``etf_<ticker>`` are ETF closes (adjusted for splits and distributions) for the
# roll-cost audit; each ETF is compared with the spot series named in the section.
_G = "Futures curves and ETFs"
#: futures root (as written in settlement files) -> (catalog code, name, price units)
FUTURES_ROOTS = MappingProxyType({
    "CL": ("cl", "WTI crude oil futures (NYMEX)", "usd_per_bbl"),
    "NG": ("ng", "Henry Hub natural gas futures (NYMEX)", "usd_per_mmbtu"),
    "GC": ("gc", "Gold futures (COMEX)", "usd_per_oz"),
    "VX": ("vx", "VIX futures (Cboe)", "index"),
})
#: constant positions kept per root (1 = front contract)
FUTURES_POSITIONS = 4
#: ETF ticker -> (catalog key, name)
FUTURES_ETFS = MappingProxyType({
    "USO": ("etf_uso", "United States Oil Fund (USO)"),
    "UNG": ("etf_ung", "United States Natural Gas Fund (UNG)"),
    "GLD": ("etf_gld", "SPDR Gold Shares (GLD, physically backed)"),
    "VXX": ("etf_vxx", "iPath S&P 500 VIX Short-Term Futures ETN (VXX)"),
})
for _root, (_code, _name, _units) in FUTURES_ROOTS.items():
    for _n in range(1, FUTURES_POSITIONS + 1):
        _s(f"fut_{_code}_c{_n}", f"{_root}:C{_n}", f"{_name}, contract {_n} settlement", _units, "D", _G,
           source="futures")
        _s(f"fut_{_code}_d{_n}", f"{_root}:D{_n}", f"{_name}, contract {_n} days to expiry", "days", "D", _G,
           source="futures")
for _ticker, (_key, _name) in FUTURES_ETFS.items():
    _s(_key, _ticker, _name, "usd", "D", _G, source="futures")
_s("henry_hub", "DHHNGSP", "Henry Hub natural gas spot price", "usd_per_mmbtu", "D", "Commodities",
   release_lag_days=1)

CATALOG: Mapping[str, SeriesSpec] = MappingProxyType({s.key: s for s in _ROWS})
if len(CATALOG) != len(_ROWS):  # pragma: no cover - guards against a duplicated key at edit time
    raise RuntimeError("duplicate key in the series catalog")


def spec(key: str) -> SeriesSpec:
    """Return the catalog entry for ``key`` or raise ``KeyError`` with the closest keys."""
    try:
        return CATALOG[key]
    except KeyError:
        import difflib

        near = difflib.get_close_matches(key, CATALOG, n=3)
        hint = f" (did you mean {', '.join(near)}?)" if near else ""
        raise KeyError(f"unknown series key {key!r}{hint}") from None


def keys_for_source(source: str) -> tuple[str, ...]:
    """Catalog keys whose ``source`` is ``source``, in catalog order."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}; got {source!r}")
    return tuple(k for k, s in CATALOG.items() if s.source == source)


def key_for_source_id(source: str, source_id: str) -> str | None:
    """The catalog key of ``source_id`` at ``source`` (FRED ids and CSV ``file`` ids share a namespace)."""
    group = ("fred", "file") if source in ("fred", "file") else (source,)
    for k, s in CATALOG.items():
        if s.source in group and s.source_id == source_id:
            return k
    return None


def validate_keys(keys: Iterable[str]) -> tuple[str, ...]:
    """Check every key is in the catalog; return them as a tuple (raises ``KeyError``)."""
    out = tuple(keys)
    for k in out:
        spec(k)
    return out
