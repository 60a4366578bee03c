"""Practice sessions: start by scope and source, check with instant feedback, summary, drills, review."""

import json
import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, insert, select

from quizapp.exams.attempts import labels_for
from quizapp.extensions import db
from quizapp.models import (Attempt, AttemptQuestion, PracticeItem, PracticeSession, Question, QuestionVersion,
                            ReviewCard, Track, now_utc)

from .conftest import TEST_DATABASE_URL, backdate, csrf_from, load_into, start_exam, user_id

TRACK = "/tracks/test-architect"


def token(client):
    return csrf_from(client.get(TRACK + "/practice").get_data(as_text=True))


def start_practice(client, expect=302, **form):
    data = {"count": "10", "source": "any", **form, "csrf_token": token(client)}
    response = client.post(TRACK + "/practice", data=data)
    assert response.status_code == expect, response.get_data(as_text=True)[:2000]
    if expect != 302:
        return response
    return int(re.search(r"/practice/(\d+)/questions/1$", response.headers["Location"]).group(1))


def items(app, session_id):
    with app.app_context():
        rows = db.session.execute(
            select(PracticeItem, QuestionVersion)
            .join(QuestionVersion, QuestionVersion.id == PracticeItem.question_version_id)
            .where(PracticeItem.session_id == session_id).order_by(PracticeItem.position)).all()
        db.session.expunge_all()
        return rows


def right(item, version):
    labels = labels_for(item.choice_order)
    return sorted(labels[k] for k in version.answer)


def wrong(item, version):
    labels = labels_for(item.choice_order)
    return [labels[k] for k in item.choice_order if k not in version.answer][: item.choose]


def check(client, session_id, position, body, csrf):
    return client.post(f"/practice/{session_id}/questions/{position}/check", data=json.dumps(body),
                       content_type="application/json",
                       headers={"X-CSRFToken": csrf, "Accept": "application/json"})


def save(client, session_id, position, body, csrf):
    return client.post(f"/practice/{session_id}/questions/{position}/save", data=json.dumps(body),
                       content_type="application/json",
                       headers={"X-CSRFToken": csrf, "Accept": "application/json"})


def snapshot(app):
    """Everything a refused request must leave as it was."""
    with app.app_context():
        rows = [*db.session.execute(select(PracticeSession.id, PracticeSession.finished_at, PracticeSession.length)),
                *db.session.execute(select(PracticeItem.id, PracticeItem.selected, PracticeItem.flagged,
                                           PracticeItem.struck, PracticeItem.save_seq, PracticeItem.checked_at,
                                           PracticeItem.is_correct)),
                *db.session.execute(select(ReviewCard.id, ReviewCard.due, ReviewCard.reviews,
                                           ReviewCard.last_correct))]
        db.session.rollback()
        return sorted(map(repr, rows))


def test_start_draws_the_scope_and_count_and_shows_question_one(synced, learner):
    session_id = start_practice(learner, count="custom", custom_count="6", domains="connect")
    rows = items(synced, session_id)
    assert len(rows) == 6 and {v.domain for _, v in rows} == {"connect"}
    page = learner.get(f"/practice/{session_id}/questions/1").get_data(as_text=True)
    assert "Question 1 of 6" in page and "Check answer" in page
    # The exam page's pieces: options with strike-outs, the flag, the navigator, autosave.
    assert 'id="choice-A"' in page and 'id="strike-A"' in page and 'id="flagged"' in page
    assert "/save" in page and "exam.js" in page and "practice.js" in page
    # A question not yet opened has had no time spent on it: its timer starts at zero.
    assert 'data-seconds="0"' in page and 'id="seconds-spent" value="0"' in page
    # Resumable: the session's own address goes to the first unchecked question.
    assert learner.get(f"/practice/{session_id}").headers["Location"].endswith("/questions/1")
    # A number typed in is what the learner asked for, though "10" was left ticked.
    typed = start_practice(learner, count="10", custom_count="7")
    assert len(items(synced, typed)) == 7
    assert len(items(synced, start_practice(learner, count="10"))) == 10


def test_check_scores_locks_and_only_then_reveals(synced, learner):
    session_id = start_practice(learner, count="custom", custom_count="3")
    (item, version), *_ = items(synced, session_id)
    csrf = token(learner)
    assert save(learner, session_id, 1, {"seq": 1, "selected": wrong(item, version)}, csrf).status_code == 200
    response = check(learner, session_id, 1, {"selected": right(item, version)}, csrf)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["correct"] is True and body["key"] == right(item, version)
    assert "SECRET-EXPLANATION" in body["explanation"] and body["references"] == ["https://docs.stripe.com/payments"]
    page = learner.get(f"/practice/{session_id}/questions/1").get_data(as_text=True)
    assert "SECRET-EXPLANATION" in page and "Right" in page and "docs.stripe.com/payments" in page
    assert "disabled" in page and "Check answer" not in page
    stored = items(synced, session_id)[0][0]
    assert stored.checked_at is not None and stored.is_correct is True and set(stored.selected) == set(version.answer)
    with synced.app_context():
        card = db.session.scalar(select(ReviewCard))
        # Right after a change of answer: Hard, not Good.
        assert card.last_correct and card.reviews == 1 and card.question_id == version.question_id


def test_a_wrong_check_shows_the_key_and_schedules_again(synced, learner):
    session_id = start_practice(learner, count="custom", custom_count="3")
    (item, version), *_ = items(synced, session_id)
    body = check(learner, session_id, 1, {"selected": wrong(item, version)}, token(learner)).get_json()
    assert body["correct"] is False and body["key"] == right(item, version)
    page = learner.get(f"/practice/{session_id}/questions/1").get_data(as_text=True)
    assert "Not right" in page and "(the answer)" in page
    with synced.app_context():
        card = db.session.scalar(select(ReviewCard))
        assert not card.last_correct and card.due <= now_utc() + timedelta(minutes=1)


def test_check_without_javascript_posts_the_form_and_shows_feedback(synced, learner):
    session_id = start_practice(learner, count="custom", custom_count="2")
    (item, version), *_ = items(synced, session_id)
    data = {"choice": right(item, version), "csrf_token": token(learner)}
    response = learner.post(f"/practice/{session_id}/questions/1/check", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/questions/1")
    assert "SECRET-EXPLANATION" in learner.get(response.headers["Location"]).get_data(as_text=True)
    # The form's save-and-move works as on the exam page.
    response = learner.post(f"/practice/{session_id}/questions/2",
                            data={"choice": wrong(*items(synced, session_id)[1]), "go": "prev",
                                  "csrf_token": token(learner)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/questions/1")
    assert items(synced, session_id)[1][0].selected


def test_nothing_reveals_the_key_before_the_check(synced, learner):
    session_id = start_practice(learner, count="custom", custom_count="16")
    rows = items(synced, session_id)
    csrf = token(learner)
    bodies = []
    for item, version in rows:
        bodies.append(learner.get(f"/practice/{session_id}/questions/{item.position}").get_data(as_text=True))
        bodies.append(save(learner, session_id, item.position,
                           {"seq": 1, "selected": wrong(item, version)}, csrf).get_data(as_text=True))
    for url in (f"/practice/{session_id}", f"/practice/{session_id}/summary", "/history", "/", TRACK,
                TRACK + "/practice", "/static/exam.js", "/static/practice.js"):
        response = learner.get(url, follow_redirects=True)
        bodies.append(response.get_data(as_text=True))
        response.close()
    everything = "\n".join(bodies)
    assert "SECRET-EXPLANATION" not in everything and "because Bravo is right" not in everything
    for word in ("is_correct", "(the answer)", "The answer:", '"key"', '"answer"', "class=\"choice key"):
        assert word not in everything, word
    # Checking one question reveals that one only.
    check(learner, session_id, 1, {}, csrf)
    page = learner.get(f"/practice/{session_id}/questions/2").get_data(as_text=True)
    assert "SECRET-EXPLANATION" not in page and "(the answer)" not in page


def test_bad_checks_are_4xx_with_a_clear_message_and_change_nothing(synced, learner):
    session_id = start_practice(learner, count="custom", custom_count="16")
    rows = items(synced, session_id)
    multi = next((i, v) for i, v in rows if i.choose == 2)
    single = next((i, v) for i, v in rows if i.choose == 1)
    csrf = token(learner)
    assert check(learner, session_id, single[0].position, {"selected": right(*single)}, csrf).status_code == 200
    before = snapshot(synced)
    cases = [
        (single[0].position, {"selected": right(*single)}, 409, "already checked"),
        (single[0].position, {"selected": wrong(*single)}, 409, "cannot change"),
        (multi[0].position, {"selected": []}, 422, "Choose an option before checking."),
        (multi[0].position, {}, 422, "Choose an option"),
        (multi[0].position, {"selected": right(*multi)[:1]}, 422, "Choose 2 options before checking; you chose 1."),
        (multi[0].position, {"selected": list("ABCDE")}, 422, "Choose no more than 2 options."),
        (multi[0].position, {"selected": list("ABCDEFA")}, 422, "selected"),
        (multi[0].position, {"selected": ["Z"]}, 422, "not part of this question"),
        (multi[0].position, {"selected": "A"}, 422, "selected"),
        (multi[0].position, {"selected": ["A"], "extra": 1}, 422, "extra"),
        (17, {"selected": ["A"]}, 404, "No such question"),
        (999, {"selected": ["A"]}, 404, "No such question"),
    ]
    for position, body, status, message in cases:
        response = check(learner, session_id, position, body, csrf)
        assert response.status_code == status, (body, response.get_data(as_text=True))
        error = response.get_json()["error"]
        assert (error == message) if message.endswith(".") else (message in error), (body, error)
    # Saving a checked question is refused too.
    response = save(learner, session_id, single[0].position, {"seq": 9, "selected": wrong(*single)}, csrf)
    assert response.status_code == 409 and "cannot change" in response.get_json()["error"]
    assert learner.post(f"/practice/{session_id}/questions/{multi[0].position}/check", data="[",
                        content_type="application/json", headers={"X-CSRFToken": csrf}).status_code == 400
    assert snapshot(synced) == before


def test_a_scope_with_no_questions_says_widen_it_and_stores_nothing(synced, learner):
    before = snapshot(synced)
    response = start_practice(learner, expect=422, source="wrong")
    assert "No questions match: widen the scope" in response.get_data(as_text=True)
    response = start_practice(learner, expect=422, difficulties="hard")
    assert "No questions match: widen the scope" in response.get_data(as_text=True)
    for form, message in [({"count": "custom"}, "Give a number of questions"),
                          ({"count": "custom", "custom_count": "101"}, "between 1 and 100"),
                          ({"count": "7"}, "Not a valid choice"), ({"source": "mine"}, "Not a valid choice"),
                          ({"domains": "nope"}, "not a valid choice"), ({"time_limit": "0"}, "between 1 and 600")]:
        response = start_practice(learner, expect=422, **form)
        assert message in response.get_data(as_text=True), form
    assert snapshot(synced) == before


def test_another_learners_session_is_404_everywhere(synced, learner, other_learner):
    session_id = start_practice(learner, count="custom", custom_count="3")
    (item, version), *_ = items(synced, session_id)
    csrf = token(other_learner)
    before = snapshot(synced)
    for method, url in [("GET", f"/practice/{session_id}"), ("GET", f"/practice/{session_id}/questions/1"),
                        ("POST", f"/practice/{session_id}/questions/1"), ("GET", f"/practice/{session_id}/summary"),
                        ("POST", f"/practice/{session_id}/finish"), ("POST", f"/practice/{session_id}/missed")]:
        response = other_learner.open(url, method=method, data={"csrf_token": csrf, "choice": ["A"]})
        assert response.status_code == 404, (method, url)
    assert check(other_learner, session_id, 1, {"selected": right(item, version)}, csrf).status_code == 404
    response = save(other_learner, session_id, 1, {"seq": 1, "selected": ["A"]}, csrf)
    assert response.status_code == 404
    assert response.get_json()["error"] == "No such question in your practice sessions."
    assert snapshot(synced) == before


def test_summary_shows_domains_and_misses_and_drills_exactly_the_misses(synced, learner):
    session_id = start_practice(learner, count="custom", custom_count="6")
    rows = items(synced, session_id)
    csrf = token(learner)
    for index, (item, version) in enumerate(rows[:4]):
        answer = right(item, version) if index % 2 == 0 else wrong(item, version)
        assert check(learner, session_id, item.position, {"selected": answer}, csrf).status_code == 200
    page = learner.get(f"/practice/{session_id}/summary").get_data(as_text=True)
    assert "2 of 4 checked questions right (50 %); 2 not checked." in page
    assert "Accuracy by domain" in page and "Missed (2)" in page
    assert f'/practice/{session_id}/questions/2"' in page and f'/practice/{session_id}/questions/4"' in page
    assert learner.post(f"/practice/{session_id}/finish", data={"csrf_token": csrf}).status_code == 302
    with synced.app_context():
        assert db.session.get(PracticeSession, session_id).finished_at is not None
    # An ended session takes no more answers.
    response = check(learner, session_id, 5, {"selected": right(*rows[4])}, csrf)
    assert response.status_code == 409 and "ended" in response.get_json()["error"]
    response = learner.post(f"/practice/{session_id}/missed", data={"csrf_token": csrf})
    drill = int(re.search(r"/practice/(\d+)/", response.headers["Location"]).group(1))
    assert [v.question_id for _, v in items(synced, drill)] == [rows[1][1].question_id, rows[3][1].question_id]
    page = learner.get("/history").get_data(as_text=True)
    assert "Practice sessions" in page and "Missed in a session" in page
    # The session the drill came from is listed by its own source.
    assert "Test Architect · Any question" in page
    # Practice never enters the mock trend chart.
    assert "<circle" not in page


def test_a_mock_schedules_every_answer_and_i_got_wrong_drills_exactly_those(synced, learner):
    attempt_id = start_exam(learner)
    page = learner.get(f"/attempts/{attempt_id}/questions/1").get_data(as_text=True)
    csrf = csrf_from(page)
    with synced.app_context():
        rows = db.session.execute(
            select(AttemptQuestion, QuestionVersion)
            .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.question_version_id)
            .where(AttemptQuestion.attempt_id == attempt_id).order_by(AttemptQuestion.position)).all()
        db.session.expunge_all()
    missed = set()
    for index, (item, version) in enumerate(rows[:4]):   # the fifth is left blank
        answer = right(item, version) if index % 2 else wrong(item, version)
        if not index % 2:
            missed.add(version.question_id)
        learner.post(f"/attempts/{attempt_id}/questions/{item.position}/save", data=json.dumps(
            {"seq": 1, "selected": answer}), content_type="application/json", headers={"X-CSRFToken": csrf})
    learner.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": csrf})
    with synced.app_context():
        cards = db.session.execute(select(ReviewCard.question_id, ReviewCard.last_correct)).all()
    assert len(cards) == 4 and {q for q, ok in cards if not ok} == missed
    drill = start_practice(learner, source="wrong")
    assert {v.question_id for _, v in items(synced, drill)} == missed
    unseen = start_practice(learner, source="unseen", count="50")
    assert len(items(synced, unseen)) == 16 - 4


def test_due_count_drops_after_a_review_session_and_the_advice_follows(synced, learner):
    home = learner.get("/").get_data(as_text=True)
    assert "You have no answers yet" in home
    session_id = start_practice(learner, count="custom", custom_count="4", domains="payments")
    rows = items(synced, session_id)
    csrf = token(learner)
    for item, version in rows:
        check(learner, session_id, item.position, {"selected": wrong(item, version)}, csrf)
    # Wrong answers come back a minute later (FSRS's first learning step).
    later = now_utc() + timedelta(minutes=15)
    with time_machine.travel(later, tick=False):
        home = learner.get("/").get_data(as_text=True)
        assert 'id="due-test-architect">4<' in home and "4 questions are due for review" in home
        track = learner.get(TRACK).get_data(as_text=True)
        assert re.search(r"Payments</th><td>4</td><td>0</td><td>4</td>", track), track
        review = start_practice(learner, source="due", count="20")
        for item, version in items(synced, review):
            check(learner, review, item.position, {"selected": right(item, version)}, csrf)
        home = learner.get("/").get_data(as_text=True)
        assert 'id="due-test-architect">0<' in home
        # Nothing due: the weakest domain is Connect, never answered.
        assert "You have not answered any Connect questions" in home


def test_review_session_draws_most_overdue_first(synced, learner):
    session_id = start_practice(learner, count="custom", custom_count="3")
    rows = items(synced, session_id)
    csrf = token(learner)
    start = now_utc()
    for minutes, (item, version) in zip((0, 5, 10), rows):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            check(learner, session_id, item.position, {"selected": wrong(item, version)}, csrf)
    with time_machine.travel(start + timedelta(minutes=60), tick=False):
        review = start_practice(learner, source="due", count="20")
    assert [v.question_id for _, v in items(synced, review)] == [v.question_id for _, v in rows]


def many_past_answers(app, email="learner@example.com"):
    """Give the learner thousands of past answers: finished mocks, and review cards on many questions."""
    uid = user_id(app, email)
    with app.app_context():
        track_id, version = db.session.execute(select(Question.track_id, QuestionVersion.id).join(
            QuestionVersion, QuestionVersion.question_id == Question.id).limit(1)).one()
        now = now_utc()
        attempt_ids = []
        for n in range(40):
            # A day apart: the forecast counts an answer to a question seen within a day once.
            day = now - timedelta(days=n + 1)
            attempt = Attempt(user_id=uid, track_id=track_id, seed=n, status="submitted", started_at=day,
                              deadline=day, finished_at=day, length=50, pass_percent=70, correct_count=25,
                              passed=False)
            db.session.add(attempt)
            db.session.flush()
            attempt_ids.append(attempt.id)
        db.session.execute(insert(AttemptQuestion), [
            {"attempt_id": a, "position": p, "question_version_id": version, "choice_order": ["a", "b", "c", "d"],
             "choose": 1, "selected": ["a"], "flagged": False, "struck": [], "save_seq": 1, "seconds_spent": 0,
             "changes": [], "is_correct": p % 2 == 0} for a in attempt_ids for p in range(1, 51)])
        first = db.session.scalar(select(func.max(Question.id)))
        db.session.execute(insert(Question), [
            {"track_id": track_id, "bank_id": f"extra-{n}", "domain": "payments" if n % 2 else "connect",
             "current_hash": "x"} for n in range(500)])
        extra = db.session.scalars(select(Question.id).where(Question.id > first)).all()
        db.session.execute(insert(ReviewCard), [
            {"user_id": uid, "question_id": q, "track_id": track_id, "state": 2, "step": None, "stability": 30.0,
             "difficulty": 5.0, "due": now - timedelta(minutes=q % 7), "last_review": now, "reviews": 3,
             "last_correct": q % 3 != 0, "last_flagged": False} for q in extra])
        db.session.commit()


def measure(learner, count_queries, session_id, position, csrf, item, version):
    counts = {}
    for name, url in [("home", "/"), ("track", TRACK), ("start page", TRACK + "/practice"),
                      ("question", f"/practice/{session_id}/questions/{position}"),
                      ("summary", f"/practice/{session_id}/summary"), ("history", "/history")]:
        with count_queries() as statements:
            assert learner.get(url).status_code == 200, url
        counts[name] = len(statements)
    with count_queries() as statements:
        assert save(learner, session_id, position, {"seq": 1, "selected": wrong(item, version)}, csrf).status_code == 200
    counts["save"] = len(statements)
    with count_queries() as statements:
        assert check(learner, session_id, position, {"selected": right(item, version)}, csrf).status_code == 200
    counts["check"] = len(statements)
    with count_queries() as statements:
        assert learner.get(f"/practice/{session_id}/questions/{position}").status_code == 200
    counts["checked question"] = len(statements)
    return counts


def test_fixed_statement_counts_with_few_or_many_past_answers(synced, learner, count_queries):
    session_id = start_practice(learner, count="custom", custom_count="16")
    rows = items(synced, session_id)
    csrf = token(learner)
    for item, version in rows[:10]:   # ten past answers, and one finished mock
        check(learner, session_id, item.position, {"selected": right(item, version)}, csrf)
    attempt_id = start_exam(learner)
    learner.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": csrf})
    learner.get("/")
    few = measure(learner, count_queries, session_id, 11, csrf, *rows[10])
    many_past_answers(synced)
    many = measure(learner, count_queries, session_id, 12, csrf, *rows[11])
    # Fifteen answers are too few for a pass chance, so home and track read no item
    # difficulties for it; with thousands they do, and nothing else grows.
    assert few == {**many, "home": many["home"] - 1, "track": many["track"] - 1}
    # The check: the question with its session, key, card and any mock under
    # way on the track (practice would show its answers), ownership by the
    # log-in inside it; the locking update; the card's upsert; on PostgreSQL
    # the last two are one statement. The save: read and conditional update,
    # as the exam's.
    postgresql = TEST_DATABASE_URL.startswith("postgresql")
    assert many["check"] == (2 if postgresql else 3) and many["save"] == 2
    # Pages: the user first; home adds the tracks, the standing (due,
    # accuracy) and any mock under way; the track page its row, the exam in progress, the standing,
    # the open sessions; the question the session, its items with versions,
    # the track's title; the summary the session, its rows, the track.
    # Home and track also carry the pass forecast (2 statements) and, on the track, the accommodation.
    # A checked question adds the learner's latest report on it, for the report form's outcome line.
    assert many == {"home": 6, "track": 8, "start page": 2, "question": 4, "summary": 4, "history": 7,
                   "save": 2, "check": 2 if postgresql else 3, "checked question": 5}, many


def test_scoring_a_mock_adds_one_statement_for_the_schedule_however_long(synced, learner, count_queries):
    from quizapp.exams.attempts import finish_attempt

    from .conftest import start_attempt
    from quizapp.models import Track

    uid = user_id(synced)
    counts = []
    with synced.app_context():
        track = db.session.scalar(select(Track))
        for extra in (False, True):
            attempt = start_attempt(db.session, uid, track, now_utc())
            if extra:   # the whole bank: 16 questions instead of 5
                have = set(db.session.scalars(select(AttemptQuestion.question_version_id)
                                              .where(AttemptQuestion.attempt_id == attempt.id)))
                others = [v for v in db.session.scalars(select(QuestionVersion)) if v.id not in have]
                db.session.execute(insert(AttemptQuestion), [
                    {"attempt_id": attempt.id, "position": 6 + n, "question_version_id": v.id,
                     "choice_order": [c["key"] for c in v.choices], "choose": len(v.answer),
                     "selected": [v.choices[0]["key"]], "flagged": False, "struck": [], "save_seq": 1,
                     "seconds_spent": 0, "changes": [], "is_correct": None} for n, v in enumerate(others)])
            db.session.execute(AttemptQuestion.__table__.update().where(
                AttemptQuestion.attempt_id == attempt.id).values(selected=["a"]))
            db.session.commit()
            with count_queries() as statements:
                assert finish_attempt(db.session, attempt, now_utc(), by="learner")
            db.session.commit()
            counts.append(len(statements))
        assert db.session.scalar(select(func.count()).select_from(ReviewCard)) == 16
    # The attempt's reload (expired by the commit), claim, read (cards
    # included), bulk item update, the schedule's one upsert, the attempt's
    # score, the item tallies' one upsert, the timeline's end event, the
    # refresh: 9 whatever the length.
    assert counts == [9, 9], counts


def test_session_summary_counts_checked_only_weakest_domain_first():
    from quizapp.practice.sessions import summarise

    result = summarise([(1, 11, "payments", True), (2, 12, "connect", False), (3, 13, "payments", None),
                        (4, 14, "payments", False), (5, 15, "connect", True)], 5, ["payments", "connect"])
    assert (result.checked, result.correct, result.length) == (4, 2, 5) and result.percent == 50.0
    assert [(d.domain, d.correct, d.total) for d in result.domains] == [("payments", 1, 2), ("connect", 1, 2)]
    assert result.missed == [2, 4] and result.missed_questions == [12, 14]


def test_session_summary_counts_a_domain_the_track_no_longer_lists():
    from quizapp.practice.sessions import summarise

    result = summarise([(1, 11, "payments", True), (2, 12, "retired-domain", False)], 2, ["payments"])
    assert [(d.domain, d.correct, d.total) for d in result.domains] == [("retired-domain", 0, 1), ("payments", 1, 1)]


def test_a_timed_session_ends_at_its_limit_and_only_that_session_ends(synced, learner, other_learner):
    timed = start_practice(learner, count="custom", custom_count="3", time_limit="5")
    untimed = start_practice(learner, count="custom", custom_count="3")
    others = start_practice(other_learner, count="custom", custom_count="3")
    csrf = token(learner)
    with synced.app_context():
        deadline = db.session.get(PracticeSession, timed).deadline
    # To the last second of the grace after the limit a save still lands; past it, nothing does.
    with time_machine.travel(deadline + timedelta(seconds=30), tick=False):
        assert save(learner, timed, 1, {"seq": 1, "selected": ["A"]}, csrf).status_code == 200
    with time_machine.travel(deadline + timedelta(seconds=31), tick=False):
        for response in (save(learner, timed, 1, {"seq": 2, "selected": ["B"]}, csrf),
                         check(learner, timed, 1, {"selected": ["B"]}, csrf)):
            assert response.status_code == 409 and "ended" in response.get_json()["error"]
        # Without JavaScript, a late check goes to the session's results with the reason.
        late = learner.post(f"/practice/{timed}/questions/1/check", data={"csrf_token": csrf, "choice": ["B"]})
        assert late.status_code == 302 and late.headers["Location"] == f"/practice/{timed}/summary"
        assert "ended" in learner.get(late.headers["Location"]).get_data(as_text=True)
        # Opening it closes it, as of its limit, not of when it was noticed.
        learner.get(f"/practice/{timed}/questions/1")
    with synced.app_context():
        ended = {s.id: s.finished_at for s in db.session.scalars(select(PracticeSession))}
    assert ended == {timed: deadline, untimed: None, others: None}
    # An untimed session ends when the learner finishes it; then it takes no more saves.
    with time_machine.travel(deadline + timedelta(minutes=1), tick=False):
        learner.post(f"/practice/{untimed}/finish", data={"csrf_token": csrf})
        response = save(learner, untimed, 1, {"seq": 1, "selected": ["A"]}, csrf)
        assert response.status_code == 409 and "ended" in response.get_json()["error"]


def test_a_save_names_whose_answer_it_is():
    from quizapp.practice.sessions import save_practice_answer

    with pytest.raises(ValueError) as refused:
        save_practice_answer(None, session_id=1, position=1, seq=1, selected=[], flagged=False, struck=[],
                             seconds_spent=None, now=now_utc(), grace_seconds=30)
    assert str(refused.value) == "needs a user_id or a login"


def test_a_session_ends_once(synced, learner):
    from quizapp.practice.sessions import finish_session

    session_id = start_practice(learner, count="custom", custom_count="3")
    with synced.app_context():
        practice = db.session.get(PracticeSession, session_id)
        first = practice.started_at + timedelta(minutes=7)
        assert finish_session(db.session, practice, first) is True
        assert finish_session(db.session, practice, first + timedelta(minutes=5)) is False
        assert practice.finished_at == first


def test_a_session_drawn_without_a_language_is_in_english(synced, learner):
    from quizapp.practice.sessions import start_session
    from quizapp.study.selection import Scope

    learner_id = user_id(synced)
    with synced.app_context():
        track = db.session.scalar(select(Track))
        practice = start_session(db.session, learner_id, track, Scope(count=3), now_utc(), seed=1)
        assert practice.language == "en"
        assert start_session(db.session, learner_id, track, Scope(count=3), now_utc(), seed=1,
                             language="ja").language == "ja"
        db.session.rollback()


def test_a_timed_session_is_closed_once_its_limit_and_grace_have_passed(synced, learner):
    from quizapp.practice.sessions import close_if_over_time

    timed = start_practice(learner, count="custom", custom_count="3", time_limit="5")
    untimed = start_practice(learner, count="custom", custom_count="3")
    with synced.app_context():
        practice, open_ended = db.session.get(PracticeSession, timed), db.session.get(PracticeSession, untimed)
        grace = synced.config["GRACE_SECONDS"]
        last = practice.deadline + timedelta(seconds=grace)
        assert close_if_over_time(db.session, practice, last, grace) is False and practice.finished_at is None
        assert close_if_over_time(db.session, open_ended, last + timedelta(days=1), grace) is False
        assert close_if_over_time(db.session, practice, last + timedelta(seconds=1), grace) is True
        assert practice.finished_at == practice.deadline
        # Closed already: nothing more to do.
        assert close_if_over_time(db.session, practice, last + timedelta(minutes=1), grace) is False


def test_older_saves_never_win_and_the_answer_history_keeps_each_change(synced, learner):
    session_id = start_practice(learner, count="custom", custom_count="2")
    (item, _), *_ = items(synced, session_id)
    key = dict(zip("ABCD", item.choice_order))
    csrf = token(learner)
    assert save(learner, session_id, 1, {"seq": 5, "selected": ["A"], "struck": ["C"]}, csrf).get_json() == {
        "saved": True, "seq": 5}
    # The page without JavaScript posts no counter: its save applies and moves the counter on.
    learner.post(f"/practice/{session_id}/questions/1", data={"choice": "B", "go": "stay", "csrf_token": csrf})
    assert items(synced, session_id)[0][0].save_seq == 6
    # A retried autosave from before the form post changes nothing; a newer one lands.
    assert save(learner, session_id, 1, {"seq": 5, "selected": ["C"]}, csrf).get_json() == {"saved": False, "seq": 6}
    assert save(learner, session_id, 1, {"seq": 7, "selected": ["B"], "flagged": True}, csrf).get_json() == {
        "saved": True, "seq": 7}
    saved = items(synced, session_id)[0][0]
    assert (saved.selected, saved.flagged) == ([key["B"]], True)
    # Flagging the same answer is not a change of answer.
    assert [keys for _, keys in saved.changes] == [[key["A"]], [key["B"]]]
    response = save(learner, session_id, 1, {"seq": 8, "selected": ["B"], "struck": ["Z"]}, csrf)
    assert response.status_code == 422
    assert response.get_json()["error"] == "That option is not part of this question."


def test_a_check_schedules_the_answer_as_it_was_given(synced, learner):
    """Sure and right comes back in 10 minutes; right after changing it, or flagged, in 5.5; a second
    right answer at a later session graduates to days."""
    start = now_utc().replace(microsecond=0) + timedelta(minutes=1)
    with time_machine.travel(start, tick=False):
        session_id = start_practice(learner, count="custom", custom_count="3")
        (sure, v1), (changed, v2), (flagged, v3) = items(synced, session_id)
        csrf = token(learner)
        save(learner, session_id, 1, {"seq": 1, "selected": right(sure, v1)}, csrf)
        save(learner, session_id, 2, {"seq": 1, "selected": wrong(changed, v2)}, csrf)
        for position, body in ((1, {}), (2, {"selected": right(changed, v2)}),
                               (3, {"selected": right(flagged, v3), "flagged": True})):
            assert check(learner, session_id, position, body, csrf).get_json()["correct"] is True
    checked = items(synced, session_id)
    assert [(t, set(keys)) for t, keys in checked[0][0].changes] == [(0, set(v1.answer))]
    assert checked[2][0].flagged is True
    with synced.app_context():
        due = dict(db.session.execute(select(ReviewCard.question_id, ReviewCard.due)).all())
    assert {q: due[v.question_id] - start for q, v in (("sure", v1), ("changed", v2), ("flagged", v3))} == {
        "sure": timedelta(minutes=10), "changed": timedelta(minutes=5, seconds=30),
        "flagged": timedelta(minutes=5, seconds=30)}
    later = start + timedelta(hours=1)
    with time_machine.travel(later, tick=False):
        again = start_practice(learner, source="due", count="20")
        item, version = next((i, v) for i, v in items(synced, again) if v.question_id == v1.question_id)
        check(learner, again, item.position, {"selected": right(item, version)}, token(learner))
    with synced.app_context():
        card = db.session.scalar(select(ReviewCard).where(ReviewCard.question_id == v1.question_id))
        assert (card.reviews, card.due - later) == (2, timedelta(days=2))


def test_a_check_that_loses_the_race_to_another_device_is_told_and_changes_nothing(synced, learner):
    from sqlalchemy import event, text

    session_id = start_practice(learner, count="custom", custom_count="2")
    (item, version), *_ = items(synced, session_id)
    csrf = token(learner)
    raced = []

    def other_device_checks_first(conn, cursor, statement, parameters, context, executemany):
        # Between this check's read and its lock, the other device's check commits.
        if not raced and "UPDATE practice_items SET" in statement and "checked_at" in statement:
            raced.append(True)
            conn.execute(text("UPDATE practice_items SET checked_at = :at, is_correct = :ok WHERE id = :id"),
                         {"at": now_utc(), "ok": False, "id": item.id})

    with synced.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", other_device_checks_first)
    try:
        response = check(learner, session_id, 1, {"selected": right(item, version)}, csrf)
    finally:
        event.remove(engine, "before_cursor_execute", other_device_checks_first)
    assert raced and response.status_code == 409
    assert response.get_json()["error"] == "This question is already checked; a checked answer cannot change."
    with synced.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReviewCard)) == 0


def test_practice_draws_the_current_unretired_questions_of_its_own_track_shuffled(app, banks_dir, auth):
    from .conftest import load_into, write_bank

    write_bank(banks_dir, slug="second-architect")
    load_into(app, banks_dir)
    # The authors retire one question and edit the others' explanations, then take the
    # edit back: practice sees the bank as it is now, the first versions again.
    path = banks_dir / "test-architect" / "payments.yaml"
    head, *questions = path.read_text().split("  - id: ")
    kept = [q for q in questions if not q.startswith("payments-008")]
    path.write_text(head + "".join("  - id: " + q.replace("because Bravo is right.", "since Bravo is right.")
                                   for q in kept))
    assert app.test_cli_runner().invoke(args=["banks", "sync"]).exit_code == 0
    path.write_text(head + "".join("  - id: " + q for q in kept))
    assert app.test_cli_runner().invoke(args=["banks", "sync"]).exit_code == 0
    auth.register()
    session_id = start_practice(auth.client, count="custom", custom_count="100", difficulties="medium")
    rows = items(app, session_id)
    with app.app_context():
        current = set(db.session.scalars(
            select(QuestionVersion.id).join(Question, (Question.id == QuestionVersion.question_id)
                                            & (QuestionVersion.content_hash == Question.current_hash))
            .join(Track, Track.id == Question.track_id)
            .where(Track.slug == "test-architect", Question.retired_at.is_(None))))
    # Each question once, at its current version (an old version would show the old explanation).
    assert len(current) == 15 and sorted(version.id for _, version in rows) == sorted(current)
    assert all("because Bravo is right." in version.explanation for _, version in rows
               if version.domain == "payments")
    assert all(item.choose == len(version.answer) for item, version in rows)
    assert any(item.choice_order != [c["key"] for c in version.choices] for item, version in rows)


def test_the_same_seed_draws_the_same_session(synced, learner):
    from quizapp.practice.sessions import start_session
    from quizapp.study.selection import Scope

    learner_id = user_id(synced)

    def drawn(seed):
        with synced.app_context():
            track = db.session.scalar(select(Track))
            session_id = start_session(db.session, learner_id, track, Scope(count=10), now_utc(), seed=seed).id
            db.session.commit()
        return [(v.question_id, i.choice_order) for i, v in items(synced, session_id)]

    assert drawn(7) == drawn(7) != drawn(8)


def test_each_new_session_is_a_fresh_draw(synced, learner):
    from quizapp.practice.sessions import start_session
    from quizapp.study.selection import Scope

    learner_id = user_id(synced)
    with synced.app_context():
        track = db.session.scalar(select(Track))
        ids = [start_session(db.session, learner_id, track, Scope(count=10), now_utc()).id for _ in range(70)]
        db.session.commit()
    # Seventy sessions, seventy different orders (of questions and of their options): a
    # learner who practises again never gets one of a few dozen repeated sessions.
    draws = {tuple((v.question_id, tuple(i.choice_order)) for i, v in items(synced, session_id))
             for session_id in ids}
    assert len(draws) == 70


def test_i_flagged_and_i_got_wrong_follow_my_own_answers(synced, learner, other_learner):
    theirs = start_practice(other_learner, count="custom", custom_count="3")
    for item, version in items(synced, theirs):
        check(other_learner, theirs, item.position, {"selected": wrong(item, version)}, token(other_learner))
    assert "No questions match" in start_practice(learner, expect=422, source="wrong").get_data(as_text=True)
    mine = start_practice(learner, count="custom", custom_count="2")
    (first, v1), (second, v2) = items(synced, mine)
    csrf = token(learner)
    check(learner, mine, 1, {"selected": right(first, v1), "flagged": True}, csrf)
    check(learner, mine, 2, {"selected": wrong(second, v2)}, csrf)
    assert [v.question_id for _, v in items(synced, start_practice(learner, source="flagged"))] == [v1.question_id]
    assert [v.question_id for _, v in items(synced, start_practice(learner, source="wrong"))] == [v2.question_id]


def test_time_on_a_question_is_saved_and_never_more_than_the_session_has_run(synced, learner):
    start = now_utc().replace(microsecond=0) + timedelta(minutes=1)
    with time_machine.travel(start, tick=False):
        session_id = start_practice(learner, count="custom", custom_count="3")
        csrf = token(learner)
        save(learner, session_id, 3, {"seq": 1, "selected": ["A"], "seconds_spent": 5}, csrf)
    with time_machine.travel(start + timedelta(seconds=60), tick=False):
        save(learner, session_id, 1, {"seq": 1, "selected": ["A"], "seconds_spent": 45}, csrf)
        save(learner, session_id, 2, {"seq": 1, "selected": ["A"], "seconds_spent": 500}, csrf)
    assert [item.seconds_spent for item, _ in items(synced, session_id)] == [45, 60, 0]


def test_a_checked_answer_is_explained_in_the_letters_the_learner_saw(app, banks_dir, auth):
    from .test_history import name_options_in_explanations, shown_letters

    name_options_in_explanations(banks_dir)
    load_into(app, banks_dir)
    auth.register()
    client = auth.client
    session_id = start_practice(client, count="custom", custom_count="10")
    csrf = token(client)
    moved = 0
    for position in range(1, 11):
        page = client.get(f"/practice/{session_id}/questions/{position}").get_data(as_text=True)
        letters = shown_letters(page)
        said = f"because Bravo ({letters['Bravo']}) is right, not Alpha ({letters['Alpha']})."
        wrong = [letters["Alpha"], letters["Bravo"]] if "Echo" in letters else [letters["Alpha"]]
        result = check(client, session_id, position, {"selected": wrong}, csrf).get_json()
        assert "explanation" in result, result
        assert said in result["explanation"]
        assert said in client.get(f"/practice/{session_id}/questions/{position}").get_data(as_text=True)
        moved += letters["Bravo"] != "B"
    assert moved, "no draw moved an option: the test shows nothing"


def test_no_practice_answers_on_a_track_while_its_mock_is_under_way(synced, learner, other_learner):
    # A session started before the mock, and one the learner tries to start
    # during it: neither shows an answer until the mock is submitted.
    def answer(session_id, position):
        """As many options as the question asks for."""
        with synced.app_context():
            choose = db.session.scalar(select(PracticeItem.choose).where(
                PracticeItem.session_id == session_id, PracticeItem.position == position))
        return {"selected": list("ABCDE"[:choose])}

    before = start_practice(learner, count="custom", custom_count="3")
    csrf = token(learner)
    attempt_id = start_exam(learner)
    refused = start_practice(learner, expect=409, count="10")
    assert "Finish your mock exam on this track first" in refused.get_data(as_text=True)
    # Home's next step is the exam, not a review practice would refuse.
    home = learner.get("/").get_data(as_text=True)
    assert f'href="/attempts/{attempt_id}">Resume exam' in home and "Review due questions" not in home
    response = check(learner, before, 1, answer(before, 1), csrf)
    assert response.status_code == 409 and response.get_json()["resume_url"] == f"/attempts/{attempt_id}"
    assert response.get_json()["error"].startswith("Finish your mock exam on this track first")
    assert "explanation" not in response.get_json() and "key" not in response.get_json()
    page = learner.get(f"/practice/{before}/questions/1").get_data(as_text=True)
    refused = learner.post(f"/practice/{before}/questions/1/check",
                           data={"csrf_token": csrf_from(page), "choice": answer(before, 1)["selected"]})
    # Without JavaScript: the reason, and the way back to the exam, not a dead end.
    assert refused.status_code == 409
    assert f'href="/attempts/{attempt_id}">Back to your exam' in refused.get_data(as_text=True)
    with synced.app_context():
        assert db.session.scalar(select(PracticeItem.checked_at).where(
            PracticeItem.session_id == before, PracticeItem.position == 1)) is None
    # Another learner's exam does not hold this one back, nor this one theirs.
    theirs = start_practice(other_learner, count="custom", custom_count="3")
    assert check(other_learner, theirs, 1, answer(theirs, 1), token(other_learner)).status_code == 200
    # Once the mock is submitted, practice goes on.
    learner.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": csrf})
    assert check(learner, before, 1, answer(before, 1), csrf).status_code == 200
    start_practice(learner, count="10")
    # And once a mock's time and grace have run out, though nobody closed it yet.
    late = start_exam(learner)
    assert check(learner, before, 2, answer(before, 2), csrf).status_code == 409
    backdate(synced, late, 90)   # its time just run out: the grace still takes answers
    assert check(learner, before, 2, answer(before, 2), csrf).status_code == 409
    backdate(synced, late, 2)
    with synced.app_context():
        assert db.session.get(Attempt, late).status == "in_progress"
    assert check(learner, before, 2, answer(before, 2), csrf).status_code == 200
    start_practice(learner, count="10")


def test_a_checked_question_marks_the_answer_and_the_learners_own_choice(synced, learner):
    session_id = start_practice(learner, count="custom", custom_count="2")
    csrf = token(learner)
    (item, version), (other, other_version) = items(synced, session_id)
    check(learner, session_id, 1, {"selected": wrong(item, version)}, csrf)
    check(learner, session_id, 2, {"selected": right(other, other_version)}, csrf)
    marks = lambda html: {label: (("answer" if "(the answer)" in rest else "") + ("mine" if "(your answer)" in rest else ""))
                          for label, rest in re.findall(r'<span class="letter">([A-E])</span>(.*?)</label>', html, re.S)}
    missed = marks(learner.get(f"/practice/{session_id}/questions/1").get_data(as_text=True))
    assert {label for label, mark in missed.items() if "mine" in mark} == set(wrong(item, version))
    assert {label for label, mark in missed.items() if "answer" in mark} == set(right(item, version))
    hit = marks(learner.get(f"/practice/{session_id}/questions/2").get_data(as_text=True))
    assert {label for label, mark in hit.items() if mark} == set(right(other, other_version))
    assert all(mark == "answermine" for mark in hit.values() if mark)
    # Before the check, nothing is marked.
    fresh = start_practice(learner, count="custom", custom_count="1")
    assert set(marks(learner.get(f"/practice/{fresh}/questions/1").get_data(as_text=True)).values()) == {""}


def test_a_mock_closed_late_does_not_undo_a_practice_answer_given_since(synced, learner):
    # Question answered wrong in a mock; the mock's time and grace run out with nobody
    # closing it; the learner then practises that question right. Closing the mock on
    # the next visit must leave the schedule at the newer, right answer.
    from quizapp.models import ReviewCard

    attempt_id = start_exam(learner)
    csrf = token(learner)
    with synced.app_context():
        item, version = db.session.execute(select(AttemptQuestion, QuestionVersion).join(
            QuestionVersion, QuestionVersion.id == AttemptQuestion.question_version_id).where(
            AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.position == 1)).one()
        question, letters = version.question_id, wrong(item, version)
    assert learner.post(f"/attempts/{attempt_id}/questions/1/save", json={"seq": 1, "selected": letters},
                        headers={"X-CSRFToken": csrf}).status_code == 200
    backdate(synced, attempt_id, 92)
    session_id = start_practice(learner, count="custom", custom_count="100")
    [(practice_item, practice_version)] = [(i, v) for i, v in items(synced, session_id)
                                          if v.question_id == question]
    assert check(learner, session_id, practice_item.position,
                 {"selected": right(practice_item, practice_version)}, csrf).get_json()["correct"] is True
    learner.get(f"/attempts/{attempt_id}/questions/1")   # closes the overdue mock
    with synced.app_context():
        assert db.session.get(Attempt, attempt_id).status == "timed_out"
        card = db.session.scalar(select(ReviewCard).where(ReviewCard.question_id == question))
        assert card.last_correct is True and card.reviews == 1


def test_a_session_with_every_question_checked_is_not_offered_to_resume(synced, learner):
    done = start_practice(learner, count="custom", custom_count="2")
    going = start_practice(learner, count="custom", custom_count="2")
    csrf = token(learner)
    for item, version in items(synced, done):
        assert check(learner, done, item.position, {"selected": right(item, version)}, csrf).status_code == 200
    track = learner.get(TRACK).get_data(as_text=True)
    assert f"/practice/{going}\"" in track and f"/practice/{done}\"" not in track
    history = learner.get("/history").get_data(as_text=True)
    assert "All checked" in history and f'href="/practice/{going}">In progress' in history
    assert f'href="/practice/{done}">In progress' not in history
