"""Sections and charts computed in forked workers give exactly what one process gives: the same
results in brief order, the same chart bytes, the same series marked used (provenance), also
when a result cannot be sent back from a worker or a worker dies."""

from __future__ import annotations

import gc
import os

import pytest
from _brief_fixtures import brief_config, synthetic_frame

from analytics.rules import Evidence, RuleSpec, make_verdict
from report import pipeline, render
from report.errors import RenderError
from report.sections.base import ChartSpec, Section, chart, verdict_cards


class FakeSection(Section):
    """A small section reading two series, with one verdict and one chart."""

    def __init__(self, sid: str, number: int, keys: tuple[str, str], *, unpicklable: bool = False,
                 chart_id: str | None = None, dies_in: int | None = None, chart_kind: str = "timeseries") -> None:
        self.id, self.number, self.title = sid, number, f"Fake {sid}"
        self.keys, self.unpicklable, self.chart_id = keys, unpicklable, chart_id or f"{sid}_line"
        self.dies_in = dies_in  # the process id it runs in when it does not kill its process
        self.chart_kind = chart_kind
        self.rule = RuleSpec(f"{sid}_rule", sid, f"Rule of {sid}", ("low", "high"))

    def build(self, inp):
        if self.dies_in is not None and os.getpid() != self.dies_in:
            os._exit(3)  # a worker killed mid-section (out of memory, say)
        res = self.result()
        a, b = (inp.series(k) for k in self.keys)
        state = "high" if a.iloc[-1] > b.iloc[-1] else "low"
        res.verdicts.append(make_verdict(self.rule, state, f"{self.keys[0]} vs {self.keys[1]}",
                                         [Evidence("gap", float(a.iloc[-1] - b.iloc[-1]), "pp")], {}, inp.as_of))
        res.charts.append(ChartSpec(id=self.chart_id, kind=self.chart_kind, title="t", alt="a",
                                    data={"lines": {self.keys[0]: a, self.keys[1]: b}}, series_keys=self.keys))
        res.blocks = [verdict_cards(), chart(self.chart_id)]
        if self.unpicklable:
            res.analysis["formula"] = lambda x: x  # cannot cross a process boundary
        res.analysis["collector"] = {"pid": os.getpid(), "young": gc.get_threshold()[0],
                                     "frozen": gc.get_freeze_count(), "documents": render._KEPT["collect"]}
        return res


def fake_registry(monkeypatch, **kw):
    sections = {"curve": FakeSection("curve", 2, ("ust_10y", "ust_2y"), **kw),
                "liquidity": FakeSection("liquidity", 8, ("ust_30y", "ust_10y"))}
    monkeypatch.setattr(pipeline, "registry", lambda: sections)


def run(workers: int):
    frame = synthetic_frame()
    results, charts = pipeline.compute_and_draw(frame, brief_config(), workers=workers)
    return ([(r.id, [(v.rule_id, v.state) for v in r.verdicts]) for r in results], charts, frame.used)


@pytest.mark.parametrize("unpicklable", [False, True])
def test_workers_match_one_process(monkeypatch, unpicklable):
    fake_registry(monkeypatch, unpicklable=unpicklable)
    serial, parallel = run(1), run(2)
    assert parallel[0] == serial[0] and [r[0] for r in serial[0]] == ["curve", "liquidity"]
    assert set(parallel[1]) == {"curve_line", "liquidity_line"}
    assert parallel[1] == serial[1]  # identical PNG bytes
    # the recession flags are read for chart shading: they are part of the provenance too
    assert parallel[2] == serial[2] == ("ust_2y", "ust_10y", "ust_30y", "recession")


def test_sections_the_early_worker_computed_alone_keep_their_provenance(monkeypatch):
    """The pool starting late (its parent slow to get ready), the worker started at once computes
    every section and the pool only draws their charts: the series that drawing reads (the
    recession flags) are still marked used, as in one process."""
    import time

    fake_registry(monkeypatch)
    serial = run(1)
    frame = synthetic_frame()
    results, charts = pipeline.compute_and_draw(frame, brief_config(), workers=2,
                                                before_fork=lambda: time.sleep(1.5))
    assert {r.analysis["collector"]["pid"] for r in results} != {os.getpid()}  # computed by a worker
    assert len({r.analysis["collector"]["pid"] for r in results}) == 1  # the same one: the early worker
    assert charts == serial[1]
    assert frame.used == serial[2] == ("ust_2y", "ust_10y", "ust_30y", "recession")


@pytest.mark.parametrize("which", ["curve", "liquidity"])
def test_a_section_whose_worker_dies_is_computed_again_here(monkeypatch, which):
    """Whichever worker takes the section (the one started at once, or one of the pool forked
    later) dies with it; the parent computes it again and the brief is the same."""
    fake_registry(monkeypatch)
    serial = run(1)
    sections = pipeline.registry()
    s = sections[which]
    sections[which] = FakeSection(s.id, s.number, s.keys, dies_in=os.getpid())
    assert run(2)[:2] == serial[:2]
    assert run(3)[:2] == serial[:2]


def test_a_section_whose_charts_kill_their_worker_is_done_again_here(monkeypatch):
    """The worker drawing a section's charts dies (for a section computed by the early worker,
    its charts are drawn by the pool; otherwise by the worker that computed it): the parent does
    the section again, and the brief is the same."""
    from report import charts

    parent = os.getpid()

    def dying(fig, ax, data, theme, spec):
        if os.getpid() != parent:
            os._exit(3)
        return charts.DRAWERS["timeseries"](fig, ax, data, theme, spec)

    monkeypatch.setitem(charts.DRAWERS, "dying", dying)
    fake_registry(monkeypatch)
    serial = run(1)
    for which in ("curve", "liquidity"):
        sections = pipeline.registry()
        s = sections[which]
        sections[which] = FakeSection(s.id, s.number, s.keys, chart_kind="dying")
        assert run(2)[:2] == serial[:2]
        sections[which] = s


def test_the_collector_is_paced_for_a_build_and_left_as_it_was(monkeypatch):
    fake_registry(monkeypatch)
    monkeypatch.setenv("MACROBRIEF_CHART_WORKERS", "2")
    before = gc.get_threshold()
    brief = pipeline.make_brief(synthetic_frame(), brief_config(), formats=("html",))
    seen = [r.analysis["collector"] for r in brief.results]
    assert all(s["pid"] != os.getpid() for s in seen)  # computed by the workers
    # in the workers: the build's pace, and the heap they inherited frozen (never traversed there)
    assert all(s["young"] == max(before[0], pipeline.GC_YOUNG_THRESHOLD) for s in seen)
    assert all(s["frozen"] > 10_000 for s in seen)
    # and the laid-out documents' garbage left to their exit (see render.leave_documents_to_exit)
    assert all(s["documents"] is False for s in seen)
    # here, afterwards: nothing left frozen (it could never be freed), Python's pace again, and
    # the documents laid out here collected
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
    assert render._KEPT["collect"] is True


def test_the_pools_workers_leave_their_documents_garbage_to_their_exit(monkeypatch, tmp_path):
    """The workers that draw the charts and lay out the pages set the laid-out documents' garbage
    aside (render.leave_documents_to_exit); the process that runs the build does not."""
    fake_registry(monkeypatch)
    real = pipeline._charts_and_pages

    def spy(res):
        (tmp_path / f"{os.getpid()}.{res.id}").write_text(str(render._KEPT["collect"]))
        return real(res)

    monkeypatch.setattr(pipeline, "_charts_and_pages", spy)
    pipeline.compute_and_draw(synthetic_frame(), brief_config(), workers=2)
    seen = {p.name: p.read_text() for p in tmp_path.iterdir()}
    assert {name.split(".")[1] for name in seen} == {"curve", "liquidity"}
    assert all(not name.startswith(f"{os.getpid()}.") for name in seen)  # drawn by the pool
    assert set(seen.values()) == {"False"}
    assert render._KEPT["collect"] is True


def test_the_context_and_html_are_made_while_the_workers_finish_the_pdfs_parts(monkeypatch, tmp_path):
    """Once every section has its result and charts, the build makes the brief's context and HTML
    (and keeps the outcome in the cache) before the workers are done with the cover and appendix;
    the HTML is what the finished brief's context renders to."""
    from report.cache import Cache
    from report.theme import load_theme

    fake_registry(monkeypatch)
    monkeypatch.setenv("MACROBRIEF_CHART_WORKERS", "2")
    seen, real_render, real_compute, real_store = [], pipeline.render_html, pipeline.compute_and_draw, pipeline._memo_store
    monkeypatch.setattr(pipeline, "render_html", lambda *a: seen.append("html") or real_render(*a))
    monkeypatch.setattr(pipeline, "_memo_store", lambda *a: seen.append("cached") or real_store(*a))
    monkeypatch.setattr(pipeline, "compute_and_draw", lambda *a, **k: (real_compute(*a, **k), seen.append("done"))[0])
    brief = pipeline.make_brief(synthetic_frame(), brief_config(), formats=("html", "pdf"), cache=Cache(tmp_path))
    assert seen == ["cached", "html", "done"]
    assert brief.files["brief.html"].decode() == real_render(brief.context, load_theme())


@pytest.mark.parametrize("workers", [1, 2])
def test_the_frame_read_for_a_build_is_cached_as_read_and_off_the_parents_path(monkeypatch, tmp_path, workers):
    """The frame a build reads from the store is cached as read (its record of used series
    empty), by the worker started first when there are workers, before any section marks it."""
    import pickle
    from datetime import date

    from report.cache import Cache
    from report.store import Store

    fake_registry(monkeypatch)
    with Store(tmp_path / "store.sqlite") as store:
        synthetic = synthetic_frame()
        store.write({k: synthetic.get(k) for k in ("ust_2y", "ust_10y", "ust_30y", "recession")}, source="csv",
                    origin="test")
        cache = Cache(tmp_path / "cache")
        frame = pipeline.read_frame(store, date(2025, 4, 11), cache=cache)
    writers = tmp_path / "writers"
    writers.mkdir()
    real_put = Cache.put
    monkeypatch.setattr(Cache, "put", lambda self, p, v: (writers / f"{p.parent.name}.{os.getpid()}").touch()
                        or real_put(self, p, v))
    pipeline.compute_and_draw(frame, brief_config(), cache=cache, workers=workers)
    (entry,) = (tmp_path / "cache" / "frame").glob("*.pkl")
    cached = pickle.loads(entry.read_bytes())
    assert frame.used and cached.used == ()  # the build marked the series it read; the cache has none
    assert cached.keys == frame.keys and cached.get("ust_10y").equals(frame.get("ust_10y"))
    (writer,) = [int(p.suffix[1:]) for p in writers.glob("frame.*")]
    assert (writer == os.getpid()) == (workers == 1)


def test_duplicate_chart_ids_across_workers_are_an_error(monkeypatch):
    sections = {"curve": FakeSection("curve", 2, ("ust_10y", "ust_2y"), chart_id="same"),
                "liquidity": FakeSection("liquidity", 8, ("ust_30y", "ust_10y"), chart_id="same")}
    monkeypatch.setattr(pipeline, "registry", lambda: sections)
    with pytest.raises(RenderError, match="chart id 'same' is declared twice"):
        pipeline.compute_and_draw(synthetic_frame(), brief_config(), workers=2)


def test_unchanged_inputs_reuse_the_whole_outcome(monkeypatch, tmp_path):
    """With a cache, a second build with the same data and configuration computes nothing and
    has the same results, charts and provenance; a changed threshold or series misses."""
    from report.cache import Cache

    fake_registry(monkeypatch)
    calls = []
    original = FakeSection.build
    monkeypatch.setattr(FakeSection, "build", lambda self, inp: calls.append(self.id) or original(self, inp))
    cache = Cache(tmp_path / "cache")

    def build(frame, config):
        results, charts = pipeline.compute_and_draw(frame, config, cache=cache, workers=1)
        return [(v.rule_id, v.state) for r in results for v in r.verdicts], charts, frame.used

    first = build(synthetic_frame(), brief_config())
    assert calls == ["curve", "liquidity"]
    second = build(synthetic_frame(), brief_config())
    assert calls == ["curve", "liquidity"] and second == first  # nothing recomputed, same outcome
    build(synthetic_frame(), brief_config(title="Another title"))
    assert calls[-2:] == ["curve", "liquidity"]  # configuration is part of the key
    build(synthetic_frame(seed=8), brief_config())
    assert len(calls) == 6  # so is the data
