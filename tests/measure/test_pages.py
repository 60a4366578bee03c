"""The forecast on the home, track and result pages; the pacing chart; fixed statement counts."""

from __future__ import annotations

import re
from datetime import timedelta

from ..conftest import NOW, user_id
from .builders import finished_attempt


def sit(app, count: int, *, right=lambda item, version: version.domain == "payments", seconds=lambda item: 60):
    """`count` finished attempts of the logged-in learner, a day apart up to NOW, 5 questions each."""
    learner = user_id(app)
    return [finished_attempt(app, learner, NOW - timedelta(days=count - n), right=right, seconds=seconds, seed=n)
            for n in range(count)]


def text(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_no_forecast_for_visitors(synced, client):
    assert "Pass chance" not in text(client.get("/"))
    assert "pass forecast" not in text(client.get("/tracks/test-architect"))


def test_too_few_answers_asks_for_more(synced, learner):
    sit(synced, 2)
    assert "Answer at least 20 more questions on this track for a pass forecast (10 so far)." in text(learner.get("/"))
    assert "Answer at least 20 more questions" in text(learner.get("/tracks/test-architect"))


def test_forecast_with_interval_and_what_moves_it(synced, learner):
    ids = sit(synced, 7)
    home = text(learner.get("/"))
    assert re.search(r"Pass chance (&lt;1|\d+) %</strong>\s*<span class=\"forecast-range\">\((&lt;1|\d+)–(\d+|&gt;99) %\)", home)
    assert "What moves it most" not in home  # the home page shows the figure only
    track = text(learner.get("/tracks/test-architect"))
    assert re.search(r"Pass chance (&lt;1|\d+) %", track)
    # Connect is always wrong here: that is where right answers would move it.
    assert re.search(r"What moves it most: Connect, 0 % correct across your answers on this track: "
                     r"about \d+ more right answers? there", track)
    result = text(learner.get(f"/attempts/{ids[-1]}/result"))
    assert "Pass chance" in result and "What moves it most: Connect" in result
    # The first result page shows the forecast as it stood then: 5 answers.
    first = text(learner.get(f"/attempts/{ids[0]}/result"))
    assert "Answer at least 25 more questions on this track for a pass forecast (5 so far)." in first


def test_result_page_pacing_chart_and_where_the_learner_fell_behind(synced, learner):
    # 90 minutes, 5 questions: the target is 960 s a question. Behind from question 4.
    times = {1: 100, 2: 100, 3: 2000, 4: 2000, 5: 1000}
    [attempt] = sit(synced, 1, seconds=lambda item: times[item.position])
    page = text(learner.get(f"/attempts/{attempt}/result"))
    assert '<svg viewBox="0 0 600 240" role="img" aria-labelledby="pacing-title" class="pacing-chart">' in page
    assert "Behind from question 4: you fell behind the target there and stayed behind." in page
    assert 'class="target-line"' in page and 'class="time-line"' in page
    # Strict CSP: nothing inline.
    assert "style=" not in page and "<script>" not in page


def test_pacing_kept_to_target(synced, learner):
    [attempt] = sit(synced, 1)
    assert "You kept to the target all through." in text(learner.get(f"/attempts/{attempt}/result"))


def test_questions_left_blank_are_said_so_in_pacing_and_the_slowest(synced, learner):
    # Question 1 left blank after the longest look: not "wrong", and not "kept to the target" alone.
    attempt = finished_attempt(synced, user_id(synced), NOW - timedelta(hours=1),
                               seconds=lambda item: 300 if item.position == 1 else 60,
                               blank=lambda item: item.position in (1, 2))
    page = text(learner.get(f"/attempts/{attempt}/result"))
    assert "You kept to the target, but left 2 of 5 questions unanswered." in page
    assert "all through" not in page
    assert re.search(r"Question 1</a> \(5 min 0 s, unanswered\)", page)
    assert re.search(r"Question 3</a> \(1 min 0 s, (right|wrong)\)", page)


def statements(count_queries, client, path: str) -> int:
    with count_queries() as seen:
        assert client.get(path).status_code == 200
    return len(seen)


def test_statement_counts_do_not_grow_with_history(synced, learner, count_queries):
    first = sit(synced, 1)
    few = {path: statements(count_queries, learner, path)
           for path in ("/", "/tracks/test-architect", f"/attempts/{first[0]}/result")}
    more = sit(synced, 7)
    many = {path: statements(count_queries, learner, path)
            for path in ("/", "/tracks/test-architect", f"/attempts/{more[-1]}/result")}
    # With 5 answers the forecast asks for more and reads no item difficulties: one
    # statement less. With 40, and with any number more, the same statements.
    assert [n + 1 for n in few.values()] == list(many.values())
    # The log-in check, the page's own queries (the track page also reads accommodations),
    # and two for the forecast.
    assert list(many.values()) == EXPECTED_STATEMENTS, many


# Home: tracks, the forecast (2), due counts (1), mocks under way (1), the user. Track:
# tracks, forecast, due counts and user, plus the in-progress attempt, the accommodation
# and open practice sessions.
EXPECTED_STATEMENTS = [6, 8, 6]


def test_forecast_and_pacing_in_japanese(synced, learner):
    ids = sit(synced, 7)
    japanese = {"Accept-Language": "ja"}
    track = text(learner.get("/tracks/test-architect", headers=japanese))
    assert re.search(r"合格の見込み (&lt;1|\d+)%", track)
    assert "最も効果が大きいのは" in track
    result = text(learner.get(f"/attempts/{ids[-1]}/result", headers=japanese))
    assert "最後まで目標のペースを守りました。" in result
    thin = text(learner.get(f"/attempts/{ids[0]}/result", headers=japanese))
    assert "このトラックであと 25 問以上回答してください（現在 5 問）。" in thin


def test_checked_practice_answers_count_toward_the_forecast(synced, learner):
    from sqlalchemy import select

    from quizapp.extensions import db
    from quizapp.models import QuestionVersion

    from .builders import practised
    from sqlalchemy import func

    from quizapp.models import AttemptQuestion

    sit(synced, 2)  # 10 mock answers
    with synced.app_context():
        in_mocks = select(AttemptQuestion.question_version_id)
        versions = db.session.scalars(select(QuestionVersion).where(QuestionVersion.id.not_in(in_mocks))).all()
        latest = select(AttemptQuestion.question_version_id).where(
            AttemptQuestion.attempt_id == select(func.max(AttemptQuestion.attempt_id)).scalar_subquery())
        seen = db.session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(latest))).all()
    assert len(versions) == 6 and len(seen) == 5
    # Six new questions checked right; one more, never checked: it is not an answer yet.
    practised(synced, user_id(synced), "test-architect",
              [(v, True, NOW - timedelta(minutes=n)) for n, v in enumerate(versions, start=1)]
              + [(versions[0], False, None)])
    assert "Answer at least 14 more questions on this track for a pass forecast (16 so far)." in text(learner.get("/"))
    # The latest mock's questions, answered again within a day of its review (a drill of
    # what was just shown): memory of those items, not counted.
    practised(synced, user_id(synced), "test-architect", [(v, True, NOW - timedelta(minutes=1)) for v in seen])
    assert "(16 so far)" in text(learner.get("/"))


def test_a_mock_left_blank_is_no_evidence_and_a_hopeless_forecast_says_nothing_empty(synced, learner):
    # Two questions answered of a five-question mock, the rest left blank: two answers.
    learner_id = user_id(synced)
    [left] = [finished_attempt(synced, learner_id, NOW - timedelta(days=9), seed=40,
                               right=lambda item, version: False)]
    with synced.app_context():
        from sqlalchemy import update

        from quizapp.extensions import db
        from quizapp.models import AttemptQuestion

        db.session.execute(update(AttemptQuestion).where(AttemptQuestion.attempt_id == left,
                                                         AttemptQuestion.position > 2).values(selected=[]))
        db.session.commit()
    assert "for a pass forecast (2 so far)" in text(learner.get("/"))
    # Sixty answers, every one wrong: the chance is under 1 %, and so are both ends of its
    # range and whatever a tenth more right answers would make it: none of them is said.
    sit(synced, 12, right=lambda item, version: False)
    track = text(learner.get("/tracks/test-architect"))
    assert "Pass chance &lt;1 %</strong>" in track and "from your 62 answers" in track
    assert "forecast-range" not in track and "What moves it most" not in track
