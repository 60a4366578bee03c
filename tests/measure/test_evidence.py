"""The forecast's inputs read from the database: whose answers, up to when, at which difficulty."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from quizapp.exams.attempts import finish_attempt
from quizapp.extensions import db
from quizapp.measure.evidence import track_forecasts
from quizapp.measure.forecast import Answer, ExamBlueprint, calibrated_difficulty, forecast, label_difficulty
from quizapp.models import Attempt, AttemptQuestion, Question, QuestionVersion, Track

from ..conftest import NOW, start_attempt
from .builders import finished_attempt, make_user, practised


def extra_responses(attempt_id: int, version: QuestionVersion, right: int, wrong: int) -> None:
    """More answers to one item inside an attempt in progress (as many learners would give):
    `right` of them the key, `wrong` another option. Finishing the attempt scores them."""
    other = next(c["key"] for c in version.choices if c["key"] not in version.answer)
    db.session.add_all([AttemptQuestion(attempt_id=attempt_id, position=100 + n, question_version_id=version.id,
                                        choice_order=[c["key"] for c in version.choices], choose=len(version.answer),
                                        selected=list(version.answer) if n < right else [other])
                        for n in range(right + wrong)])


def test_the_forecast_reads_the_learners_answers_given_by_now_at_each_items_difficulty(synced):
    learner, other = make_user(synced, "learner@example.com"), make_user(synced, "other@example.com")
    newcomer = make_user(synced, "crowd@example.com")
    mine = [finished_attempt(synced, learner, NOW - timedelta(days=12 - 2 * n), seed=n,
                             right=lambda item, version: version.domain == "payments") for n in range(6)]
    # Finished 20 minutes after NOW: not an answer yet at NOW.
    later = finished_attempt(synced, learner, NOW - timedelta(minutes=10), seed=9)
    theirs = finished_attempt(synced, other, NOW - timedelta(days=1), right=lambda item, version: False)
    with synced.app_context():
        track = db.session.scalar(select(Track))
        versions = db.session.scalars(select(QuestionVersion).order_by(QuestionVersion.id)).all()
        easy, retired, relabelled = versions[0], versions[1], versions[2]
        # Each learner's first answer to an item counts (anyone's, whenever): a newcomer's
        # 40 more, 38 right, calibrate the first item; responses in an attempt still in
        # progress do not count, nor a learner's later answers to a question they had seen.
        crowd = start_attempt(db.session, newcomer, track, NOW - timedelta(hours=5), seed=4)
        extra_responses(crowd.id, easy, 38, 2)
        finish_attempt(db.session, crowd, NOW - timedelta(hours=4), by="learner")
        # Questions left blank (the crowd's own five) are no responses.
        first_attempt, finished = {}, []
        for user, attempt_id, correct, selected in db.session.execute(
                select(Attempt.user_id, Attempt.id, AttemptQuestion.is_correct, AttemptQuestion.selected)
                .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
                .where(AttemptQuestion.question_version_id == easy.id,
                       AttemptQuestion.attempt_id.in_([*mine, later, theirs, crowd.id]))
                .order_by(Attempt.finished_at, Attempt.id)):
            if selected and first_attempt.setdefault(user, attempt_id) == attempt_id:
                finished.append(correct)
        responses, right = len(finished), sum(finished)
        assert responses >= 40 and right >= 38
        # The learner answered it in more than one mock; only the first counted.
        assert sum(1 for a in mine + [later] if db.session.scalar(select(func.count()).where(
            AttemptQuestion.attempt_id == a, AttemptQuestion.question_version_id == easy.id))) > 1
        in_progress = start_attempt(db.session, other, track, NOW - timedelta(minutes=5), seed=3)
        extra_responses(in_progress.id, easy, 0, 40)
        db.session.get(Question, retired.question_id).retired_at = NOW - timedelta(days=1)
        relabelled.difficulty = "hard"
        db.session.commit()

        def difficulty(version):
            if version.id == easy.id:
                return calibrated_difficulty(version.difficulty, responses, right)
            return label_difficulty(version.difficulty)

        given = db.session.execute(
            select(QuestionVersion, AttemptQuestion.is_correct, Attempt.finished_at)
            .join(AttemptQuestion, AttemptQuestion.question_version_id == QuestionVersion.id)
            .join(Attempt, Attempt.id == AttemptQuestion.attempt_id).where(Attempt.id.in_(mine))).all()
        answers = [Answer(version.domain, bool(correct), at, difficulty(version)) for version, correct, at in given]
        pool = {domain: [difficulty(v) for v in versions if v.domain == domain and v.id != retired.id]
                for domain in ("payments", "connect")}
        expected = forecast(answers, ExamBlueprint({"payments": 60, "connect": 40}, 5, 5, 70, pool), NOW)
        found = track_forecasts(db.session, learner, [track], NOW)[track.id]
        assert (found.answered, len(answers)) == (30, 30)
        assert (found.probability, found.low, found.high) == pytest.approx(
            (expected.probability, expected.low, expected.high), abs=1e-9)
        assert [(d.domain, d.answered, d.correct) for d in found.domains] == [
            (d.domain, d.answered, d.correct) for d in expected.domains]
        assert [d.ability for d in found.domains] == pytest.approx([d.ability for d in expected.domains], abs=1e-9)
        assert (found.lever.domain, found.lever.more_right) == (expected.lever.domain, expected.lever.more_right)
        assert found.lever.probability == pytest.approx(expected.lever.probability, abs=1e-9)
        # An hour later the attempt finished after NOW counts too.
        assert track_forecasts(db.session, learner, [track], NOW + timedelta(hours=1))[track.id].answered == 35
        assert track_forecasts(db.session, learner, [], NOW) == {}


def test_item_statistics_count_finished_responses_of_the_chosen_track(app, banks_dir):
    from quizapp.measure.evidence import item_reports

    from ..conftest import load_into, write_bank

    write_bank(banks_dir, slug="second-architect")
    load_into(app, banks_dir)
    learner, other = make_user(app, "learner@example.com"), make_user(app, "other@example.com")
    # One save per question: no answer changed.
    finished_attempt(app, learner, NOW, right=lambda item, version: version.domain == "payments", seed=2)
    finished_attempt(app, learner, NOW, slug="second-architect", seed=2)
    with app.app_context():
        track = db.session.scalar(select(Track).where(Track.slug == "test-architect"))
        # Answers in an attempt still in progress are no responses yet.
        in_progress = start_attempt(db.session, other, track, NOW, seed=2)
        for item in db.session.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == in_progress.id)):
            item.selected, item.is_correct, item.changes = ["a"], False, [[5, ["a"]], [9, ["d"]]]
        db.session.commit()
        reports = item_reports(db.session, "test-architect")
        assert len(reports) == 5 and {r.track for r in reports} == {"test-architect"}
        assert all(r.stats.responses == 1 and r.stats.changed_rate == 0.0 for r in reports)
        assert {r.domain: r.stats.facility for r in reports} == {"payments": 1.0, "connect": 0.0}
        assert [r.track for r in item_reports(db.session)] == ["second-architect"] * 5 + ["test-architect"] * 5


def test_item_statistics_of_two_learners_on_the_same_five_questions(synced):
    from quizapp.measure.evidence import item_reports

    sure, unsure = make_user(synced, "sure@example.com"), make_user(synced, "unsure@example.com")
    # Same seed, nothing seen before: both sit the same five questions.
    finished_attempt(synced, sure, NOW, seed=5, seconds=lambda item: 0, flagged=lambda item: True)
    theirs = finished_attempt(synced, unsure, NOW, seed=5, right=lambda item, version: False,
                              seconds=lambda item: 90,
                              changes=lambda item, version: [[10, list(version.answer)], [80, item.selected]])
    with synced.app_context():
        picked = {version_id: selected for version_id, selected in db.session.execute(
            select(AttemptQuestion.question_version_id, AttemptQuestion.selected)
            .where(AttemptQuestion.attempt_id == theirs))}
        versions = {v.id: v for v in db.session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(picked)))}
        bank_ids = dict(db.session.execute(select(Question.id, Question.bank_id)).all())
        reports = item_reports(db.session, "test-architect")
    assert sorted(r.version_id for r in reports) == sorted(picked)
    for report in reports:
        version, stats = versions[report.version_id], report.stats
        assert (report.bank_id, report.domain) == (bank_ids[version.question_id], version.domain)
        assert (stats.responses, stats.facility) == (2, 0.5)
        # 0 and 90 seconds; one flagged; one changed from the key to a wrong answer.
        assert (stats.mean_seconds, stats.flag_rate, stats.changed_rate) == (45.0, 0.5, 0.5)
        assert stats.choice_rates == {c["key"]: (0.5 if c["key"] in version.answer or c["key"] in picked[version.id]
                                                 else 0.0) for c in version.choices}


def test_the_forecast_counts_the_learners_own_practice_checked_by_now_in_that_track(app, banks_dir):
    from ..conftest import load_into, write_bank

    write_bank(banks_dir, slug="second-architect")
    load_into(app, banks_dir)
    learner, other = make_user(app, "learner@example.com"), make_user(app, "other@example.com")
    # Thirty wrong mock answers in the track: enough for a forecast, with none right.
    for n in range(6):
        finished_attempt(app, learner, NOW - timedelta(days=10 - n), seed=n, right=lambda item, version: False)
    # Answers in the other track are that track's.
    finished_attempt(app, learner, NOW - timedelta(days=3), slug="second-architect")
    with app.app_context():
        def versions(slug):
            return db.session.scalars(select(QuestionVersion).join(Question).join(Track)
                                      .where(Track.slug == slug).order_by(QuestionVersion.id)).all()
        first, second = versions("test-architect"), versions("second-architect")
    day_ago = NOW - timedelta(days=1)
    # Four right answers count: three from yesterday and one checked at this very second.
    # Not yet: one checked a minute from now, and one shown but never checked.
    practised(app, learner, "test-architect", [(first[0], True, day_ago), (first[1], True, day_ago),
                                               (first[9], True, day_ago), (first[2], True, NOW),
                                               (first[3], True, NOW + timedelta(minutes=1)),
                                               (first[4], False, None)])
    practised(app, other, "test-architect", [(first[5], False, day_ago), (first[6], False, day_ago)])
    practised(app, learner, "second-architect", [(second[0], True, day_ago)])
    with app.app_context():
        track, other_track = (db.session.scalar(select(Track).where(Track.slug == slug))
                              for slug in ("test-architect", "second-architect"))
        alone = track_forecasts(db.session, learner, [track], NOW)[track.id]
        assert alone.answered == 34 and alone.enough
        assert sum(d.correct for d in alone.domains) == 4
        right = Counter(v.domain for v in (first[0], first[1], first[9], first[2]))
        assert {d.domain: d.correct for d in alone.domains} == {d: right[d] for d in ("payments", "connect")}
        both = track_forecasts(db.session, learner, [track, other_track], NOW)
        assert both[track.id].probability == pytest.approx(alone.probability, abs=1e-12)
        assert both[other_track.id].answered == 6
        # A track still short of answers, first: the one after it still gets its number.
        reversed_ = track_forecasts(db.session, learner, [other_track, track], NOW)
        assert reversed_[track.id].probability == pytest.approx(alone.probability, abs=1e-12)
        assert (reversed_[other_track.id].answered, reversed_[other_track.id].needed) == (6, 24)
        # The home page asks for no lever: the same chance, without the search for one.
        quick = track_forecasts(db.session, learner, [track], NOW, levers=False)[track.id]
        assert alone.lever is not None and quick.lever is None
        assert quick.probability == pytest.approx(alone.probability, abs=1e-12)


def test_an_item_tally_counts_each_response_to_a_version_and_each_right_one(synced):
    from sqlalchemy.dialects import postgresql, sqlite

    from quizapp.exams.attempts import upsert_tallies
    from quizapp.models import ItemTally

    with synced.app_context():
        statement = upsert_tallies({"sqlite": sqlite.insert, "postgresql": postgresql.insert}[
            db.session.get_bind().dialect.name])
        first, second = db.session.scalars(select(QuestionVersion.id).order_by(QuestionVersion.id).limit(2)).all()
        db.session.execute(statement, [{"version_id": first, "right": 1}, {"version_id": second, "right": 0}])
        db.session.execute(statement, [{"version_id": first, "right": 0}])
        db.session.execute(statement, [{"version_id": first, "right": 1}])
        assert sorted(db.session.execute(select(
            ItemTally.question_version_id, ItemTally.responses, ItemTally.correct)).all()) == [
            (first, 3, 2), (second, 1, 0)]


def test_a_question_left_blank_is_no_response_in_its_versions_tally(synced):
    from quizapp.models import ItemTally

    learner = make_user(synced, "learner@example.com")
    with synced.app_context():
        track = db.session.scalar(select(Track))
        attempt = start_attempt(db.session, learner, track, NOW, seed=7)
        items = db.session.scalars(select(AttemptQuestion).where(
            AttemptQuestion.attempt_id == attempt.id).order_by(AttemptQuestion.position)).all()
        versions = {v.id: v for v in db.session.scalars(select(QuestionVersion))}
        # The first two answered (the first right), the other three left blank.
        items[0].selected = list(versions[items[0].question_version_id].answer)
        items[1].selected = [k for k in items[1].choice_order
                             if k not in versions[items[1].question_version_id].answer][:items[1].choose]
        finish_attempt(db.session, attempt, NOW + timedelta(minutes=5), by="learner")
        db.session.commit()
        assert sorted(db.session.execute(select(
            ItemTally.question_version_id, ItemTally.responses, ItemTally.correct)).all()) == sorted([
            (items[0].question_version_id, 1, 1), (items[1].question_version_id, 1, 0)])
        # A mock of blanks only adds nothing (and runs no empty statement).
        blank = start_attempt(db.session, learner, track, NOW + timedelta(hours=1), seed=8)
        finish_attempt(db.session, blank, NOW + timedelta(hours=2), by="learner")
        db.session.commit()
        assert sum(db.session.scalars(select(ItemTally.responses))) == 2
