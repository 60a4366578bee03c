"""`flask items stats`: figures per question version from the database."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from quizapp.extensions import db
from quizapp.measure.evidence import item_reports
from quizapp.models import Question, QuestionVersion

from ..conftest import NOW
from .builders import finished_attempt, make_user


def run(app, *args):
    return app.test_cli_runner().invoke(args=["items", "stats", *args])


def test_stats_match_the_pure_figures_and_mark_nothing_small(synced):
    # Three learners: one always right, one right only on payments, one always wrong.
    rules = [lambda i, v: True, lambda i, v: v.domain == "payments", lambda i, v: False]
    for n, rule in enumerate(rules):
        user = make_user(synced, f"l{n}@example.com")
        finished_attempt(synced, user, NOW + timedelta(hours=n), right=rule, seed=7)
    result = run(synced, "--json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)["items"]
    # Same seed, same track, nothing seen before: the three sat the same five questions.
    assert len(items) == 5
    for item in items:
        assert item["responses"] == 3
        expected = 2 / 3 if item["domain"] == "payments" else 1 / 3
        assert item["facility"] == round(expected, 4)
        assert sum(item["choice_rates"].values()) > 0
        assert item["review"] == []  # 3 responses: too few to accuse an item
        assert item["mean_seconds"] == 60.0
    with synced.app_context():
        reports = item_reports(db.session, "test-architect")
        assert [r.version_id for r in reports] == [i["version_id"] for i in items]


def test_changed_answers_follow_choose_n(synced):
    user = make_user(synced, "c@example.com")

    def history(item, version):
        if item.choose > 1:
            # One tick, then the second: no change of mind.
            return [[5, list(version.answer)[:1]], [9, list(version.answer)]]
        return [[5, ["a"]], [9, item.selected]]
    finished_attempt(synced, user, NOW, changes=history, seed=3)
    rows = {r["bank_id"]: r for r in json.loads(run(synced, "--json").output)["items"]}
    with synced.app_context():
        multi = set(db.session.scalars(db.select(Question.bank_id).join(
            QuestionVersion, QuestionVersion.question_id == Question.id).where(
            QuestionVersion.stem.contains("(Choose two.)"))))
    for bank_id, row in rows.items():
        if bank_id in multi:
            assert row["changed_rate"] == 0.0
        else:
            # Changed only where the final answer was not "a" (key b: it was).
            assert row["changed_rate"] == 1.0


def test_csv_and_text_and_track_filter(synced):
    user = make_user(synced, "t@example.com")
    finished_attempt(synced, user, NOW)
    out = run(synced, "--csv", "--track", "test-architect").output
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 5 and rows[0]["track"] == "test-architect"
    assert rows[0]["facility"] == "1.0" and rows[0]["discrimination"] == ""
    text = run(synced)
    assert text.exit_code == 0 and "facility=1.00" in text.output
    assert run(synced, "--track", "nope").exit_code == 2
    assert run(synced, "--json", "--csv").exit_code == 2


def test_review_marks_an_item_nobody_gets_right(synced):
    # 30 attempts with the same five questions: one question always wrong, the others right
    # for every second learner (facility 0.5, discrimination 1).
    target = {}
    for n in range(30):
        def rule(item, version, n=n):
            target.setdefault("id", version.id)
            return version.id != target["id"] and n % 2 == 0
        finished_attempt(synced, make_user(synced, f"r{n}@example.com"), NOW, right=rule, seed=11)
    items = json.loads(run(synced, "--json").output)["items"]
    marked = [i for i in items if i["review"]]
    assert [i["version_id"] for i in marked] == [target["id"]]
    assert marked[0]["review"][0].startswith("facility 0.00 under 0.20")


def test_empty_database_says_so(synced):
    result = run(synced)
    assert result.exit_code == 0 and "No responses" in result.output
