"""Taking an exam: start, pages, autosave, clock, deadline, summary, submit."""

import json
import re
import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select, update

from quizapp.database import write_intent
from quizapp.exams.attempts import finish_attempt, keys_for, labels_for
from quizapp.extensions import db
from quizapp.models import Attempt, AttemptQuestion, QuestionVersion

from .conftest import Auth, backdate, csrf_from, make_choose_two, start_exam


def token(client, attempt_id):
    return csrf_from(client.get(f"/attempts/{attempt_id}/questions/1").get_data(as_text=True))


def save(client, attempt_id, position, body, csrf=None, **kwargs):
    headers = {"Accept": "application/json"}
    if csrf is not False:
        headers["X-CSRFToken"] = csrf or token(client, attempt_id)
    return client.post(f"/attempts/{attempt_id}/questions/{position}/save",
                       data=json.dumps(body) if not isinstance(body, (bytes, str)) else body,
                       content_type="application/json", headers=headers, **kwargs)


def items(app, attempt_id):
    with app.app_context():
        rows = db.session.execute(
            select(AttemptQuestion, QuestionVersion)
            .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.question_version_id)
            .where(AttemptQuestion.attempt_id == attempt_id).order_by(AttemptQuestion.position)).all()
        db.session.expunge_all()
        return rows


def right_labels(item, version):
    labels = labels_for(item.choice_order)
    return [labels[k] for k in version.answer]


def wrong_labels(item, version):
    labels = labels_for(item.choice_order)
    return [labels[k] for k in item.choice_order if k not in version.answer][: item.choose]


def attempt(app, attempt_id):
    with app.app_context():
        a = db.session.get(Attempt, attempt_id)
        db.session.expunge(a)
        return a


def test_start_shows_question_one_and_starting_again_resumes(learner):
    attempt_id = start_exam(learner)
    html = learner.get(f"/attempts/{attempt_id}/questions/1").get_data(as_text=True)
    assert "Question 1 of 5" in html and "Flag for review" in html and "Time left" in html
    assert "1:30:00" in html
    assert start_exam(learner) == attempt_id
    track_page = learner.get("/tracks/test-architect").get_data(as_text=True)
    assert "Resume exam" in track_page


def test_choose_two_uses_checkboxes_and_refuses_a_third(synced, learner):
    attempt_id = start_exam(learner)
    rows = items(synced, attempt_id)
    multi = next(((i, v) for i, v in rows if i.choose == 2), None)
    single = next((i, v) for i, v in rows if i.choose == 1)
    html = learner.get(f"/attempts/{attempt_id}/questions/{single[0].position}").get_data(as_text=True)
    assert 'type="radio" name="choice"' in html and 'type="checkbox" name="choice"' not in html
    if multi is None:
        # This draw has no choose-two question: make the last one a choose-two.
        make_choose_two(synced, attempt_id, len(rows))
        multi = next((i, v) for i, v in items(synced, attempt_id) if i.choose == 2)
    item = multi[0]
    html = learner.get(f"/attempts/{attempt_id}/questions/{item.position}").get_data(as_text=True)
    assert 'type="checkbox" name="choice"' in html and "Select 2 options." in html
    response = save(learner, attempt_id, item.position, {"seq": 1, "selected": ["A", "B", "C"]})
    assert response.status_code == 422 and "no more than 2" in response.json["error"]


def test_autosave_keeps_answer_flag_and_strike_outs_and_resumes_elsewhere(synced, learner):
    attempt_id = start_exam(learner)
    backdate(synced, attempt_id, 1)
    response = save(learner, attempt_id, 2, {"seq": 1, "selected": ["C"], "flagged": True,
                                             "struck": ["A", "D"], "seconds_spent": 42})
    assert response.status_code == 200
    assert response.json["saved"] is True and 5330 < response.json["remaining_seconds"] <= 5340
    # Log in on another device: everything is there.
    other = synced.test_client()
    Auth(other).login()
    html = other.get(f"/attempts/{attempt_id}/questions/2").get_data(as_text=True)
    assert re.search(r'value="C"\s+id="choice-C" checked', html)
    assert re.search(r'name="flagged" id="flagged" value="y" checked', html)
    assert re.search(r'value="A" id="strike-A" class="strike-box" checked', html)
    assert 'class="choice struck"' in html
    assert re.search(r'class="nav-q answered flagged current"', html)
    # A later save that sends no time figure keeps the time already recorded.
    assert save(learner, attempt_id, 2, {"seq": 2, "selected": ["B"]}).json["saved"]
    item = next(i for i, _ in items(synced, attempt_id) if i.position == 2)
    assert item.seconds_spent == 42 and item.changes[-1][1] == [item.choice_order[1]]


def test_retried_and_older_saves_never_overwrite_a_newer_answer(synced, learner):
    attempt_id = start_exam(learner)
    assert save(learner, attempt_id, 1, {"seq": 5, "selected": ["B"]}).json["saved"]
    late = save(learner, attempt_id, 1, {"seq": 4, "selected": ["A"]})
    assert late.status_code == 200 and late.json["saved"] is False and late.json["seq"] == 5
    again = save(learner, attempt_id, 1, {"seq": 5, "selected": ["B"]})
    assert again.status_code == 200 and again.json["saved"] is False
    item, _ = items(synced, attempt_id)[0]
    assert item.selected == [item.choice_order[1]]


def test_a_form_post_after_autosaves_never_lets_an_older_retried_autosave_win(synced, learner):
    attempt_id = start_exam(learner)
    # The page autosaves A, then B; the learner then picks C and presses Next.
    assert save(learner, attempt_id, 1, {"seq": 1, "selected": ["A"]}).json["saved"]
    assert save(learner, attempt_id, 1, {"seq": 2, "selected": ["B"]}).json["saved"]
    csrf = token(learner, attempt_id)
    response = learner.post(f"/attempts/{attempt_id}/questions/1", data={
        "csrf_token": csrf, "choice": ["C"], "go": "next"})
    assert response.status_code == 302
    # Retries of the older autosaves arrive late: acknowledged, not applied.
    for seq, label in ((2, "B"), (1, "A")):
        late = save(learner, attempt_id, 1, {"seq": seq, "selected": [label]}, csrf=csrf)
        assert late.status_code == 200 and late.json["saved"] is False and late.json["seq"] == 3
    item, _ = items(synced, attempt_id)[0]
    assert item.selected == [item.choice_order[2]] and item.save_seq == 3
    # The page shown again counts on from there, and its next autosave applies.
    page = learner.get(f"/attempts/{attempt_id}/questions/1").get_data(as_text=True)
    assert 'data-seq="3"' in page
    assert save(learner, attempt_id, 1, {"seq": 4, "selected": ["D"]}, csrf=csrf).json["seq"] == 4
    assert items(synced, attempt_id)[0][0].selected == [item.choice_order[3]]


def test_options_are_single_shown_letters(synced, learner):
    attempt_id = start_exam(learner)
    csrf = token(learner, attempt_id)
    save(learner, attempt_id, 1, {"seq": 1, "selected": ["A"]}, csrf=csrf)
    for selected in (["AB"], [""], ["a"], ["A", "AB"], [" A"]):
        response = save(learner, attempt_id, 1, {"seq": 2, "selected": selected}, csrf=csrf)
        assert response.status_code == 422, selected
        response = save(learner, attempt_id, 1, {"seq": 2, "selected": ["B"], "struck": selected}, csrf=csrf)
        assert response.status_code == 422, selected
    item, _ = items(synced, attempt_id)[0]
    assert item.selected == [item.choice_order[0]] and item.struck == [] and item.save_seq == 1
    # Every letter shown is accepted, as the option it is shown for.
    assert save(learner, attempt_id, 1, {"seq": 3, "selected": ["D"], "struck": ["A", "C"]},
                csrf=csrf).json["saved"]
    item, _ = items(synced, attempt_id)[0]
    assert item.selected == [item.choice_order[3]]
    assert item.struck == [item.choice_order[0], item.choice_order[2]]


def test_keys_for_maps_shown_letters_back_and_refuses_anything_else():
    order = ["c", "a", "d", "b"]
    assert keys_for(order, ["A", "D", "B"]) == ["c", "b", "a"]
    assert keys_for(order, []) == []
    for labels in (["E"], ["F"], ["AB"], [""], ["a"], [1], [None], ["A", "Z"]):
        assert keys_for(order, labels) is None, labels


def test_save_refuses_unknown_options_and_bad_bodies_without_changing_data(synced, learner):
    attempt_id = start_exam(learner)
    save(learner, attempt_id, 1, {"seq": 1, "selected": ["A"]})
    for body, status in [
        ({"seq": 2, "selected": ["Z"]}, 422),
        ({"seq": 2, "selected": ["F"]}, 422),
        ({"seq": "2", "selected": ["B"]}, 422),
        ({"seq": 2, "selected": "B"}, 422),
        ({"seq": 2, "selected": ["B"], "flagged": "yes"}, 422),
        ({"seq": 2, "selected": ["B"], "extra": 1}, 422),
        ({"seq": -1, "selected": ["B"]}, 422),
        ({"seq": 2**70, "selected": ["B"]}, 422),
        ("not json", 400),
        ("[1, 2]", 400),
    ]:
        response = save(learner, attempt_id, 1, body)
        assert response.status_code == status, body
        assert response.json["error"]
    assert save(learner, attempt_id, 99, {"seq": 2, "selected": ["B"]}).status_code == 404
    item, _ = items(synced, attempt_id)[0]
    assert item.selected == [item.choice_order[0]] and item.save_seq == 1


def test_logged_out_save_is_401_json_and_pages_send_to_log_in(synced, learner):
    attempt_id = start_exam(learner)
    # A visitor with a valid CSRF token but no log-in (a session that ended).
    client = synced.test_client()
    csrf = csrf_from(client.get("/auth/login").get_data(as_text=True))
    response = save(client, attempt_id, 1, {"seq": 1, "selected": ["A"]}, csrf=csrf)
    assert response.status_code == 401
    assert "Log in again" in response.get_json()["error"]
    page = client.get(f"/attempts/{attempt_id}/questions/1")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/auth/login?next=")
    assert "%2Fattempts%2F" in page.headers["Location"]
    assert save(learner, attempt_id, 1, {"seq": 1, "selected": ["B"]}).get_json()["saved"]


def test_save_without_csrf_token_is_400(synced, learner):
    attempt_id = start_exam(learner)
    response = save(learner, attempt_id, 1, {"seq": 1, "selected": ["A"]}, csrf=False)
    assert response.status_code == 400
    assert items(synced, attempt_id)[0][0].selected == []


def test_plain_form_post_saves_and_navigates_without_javascript(synced, learner):
    attempt_id = start_exam(learner)
    csrf = token(learner, attempt_id)
    response = learner.post(f"/attempts/{attempt_id}/questions/1", data={
        "csrf_token": csrf, "choice": ["B"], "flagged": "y", "struck": ["C"], "go": "next"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/questions/2")
    response = learner.post(f"/attempts/{attempt_id}/questions/2", data={
        "csrf_token": csrf, "go": "4"})
    assert response.headers["Location"].endswith("/questions/4")
    response = learner.post(f"/attempts/{attempt_id}/questions/4", data={
        "csrf_token": csrf, "go": "summary"})
    assert response.headers["Location"].endswith("/summary")
    item = items(synced, attempt_id)[0][0]
    assert item.selected == [item.choice_order[1]] and item.flagged and item.struck == [item.choice_order[2]]
    bad = learner.post(f"/attempts/{attempt_id}/questions/1", data={"csrf_token": csrf, "choice": ["Q"]})
    assert bad.status_code == 422
    assert items(synced, attempt_id)[0][0].selected == [item.choice_order[1]]


def test_summary_lists_unanswered_and_flagged_then_submit_scores_once(synced, learner):
    attempt_id = start_exam(learner)
    rows = items(synced, attempt_id)
    for item, version in rows[:3]:
        save(learner, attempt_id, item.position, {"seq": 1, "selected": right_labels(item, version),
                                                  "flagged": item.position == 2})
    html = learner.get(f"/attempts/{attempt_id}/summary").get_data(as_text=True)
    assert "Unanswered (2)" in html and "Flagged for review (1)" in html
    assert f'/attempts/{attempt_id}/questions/4"' in html and "Submit exam" in html
    csrf = csrf_from(html)
    first = learner.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": csrf})
    second = learner.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": csrf})
    assert first.status_code == second.status_code == 302
    done = attempt(synced, attempt_id)
    assert done.status == "submitted" and done.correct_count == 3 and done.passed is False
    # After submission answers cannot change and the question pages send you to the result.
    assert save(learner, attempt_id, 4, {"seq": 9, "selected": ["A"]}, csrf=csrf).status_code == 409
    assert learner.get(f"/attempts/{attempt_id}/questions/1").status_code == 302


def test_saves_accepted_in_grace_and_refused_after_with_409(synced, learner):
    attempt_id = start_exam(learner)
    csrf = token(learner, attempt_id)
    deadline = attempt(synced, attempt_id).deadline
    # On the deadline's very second a save is on time; after it, in the grace.
    with time_machine.travel(deadline, tick=False):
        assert save(learner, attempt_id, 3, {"seq": 1, "selected": ["B"]}, csrf=csrf).status_code == 200
    with time_machine.travel(deadline + timedelta(seconds=29), tick=False):
        ok = save(learner, attempt_id, 1, {"seq": 1, "selected": ["A"]}, csrf=csrf)
        assert ok.status_code == 200 and ok.json["remaining_seconds"] == 0
    with time_machine.travel(deadline + timedelta(seconds=31), tick=False):
        late = save(learner, attempt_id, 2, {"seq": 1, "selected": ["A"]}, csrf=csrf)
        assert late.status_code == 409 and "after the deadline" in late.json["error"]
        # The timeline says what ended it, and which answer came in the grace.
        timeline = learner.get(f"/attempts/{attempt_id}/timeline").get_data(as_text=True)
        assert "Time ran out; ended when a save arrived after the grace" in timeline
        grace = "(saved in the grace period after the deadline)"
        answers = {n: line for n in (1, 3) for line in timeline.split("<tr>") if f"Question {n}: answered" in line}
        assert grace in answers[1] and grace not in answers[3]
    done = attempt(synced, attempt_id)
    assert done.status == "timed_out" and done.finished_at == deadline
    rows = items(synced, attempt_id)
    assert rows[0][0].selected and not rows[1][0].selected


def test_abandoned_attempt_is_closed_by_cron_at_its_deadline(synced, learner):
    attempt_id = start_exam(learner)
    item, version = items(synced, attempt_id)[0]
    save(learner, attempt_id, 1, {"seq": 1, "selected": right_labels(item, version)})
    deadline = attempt(synced, attempt_id).deadline
    runner = synced.test_cli_runner()
    with time_machine.travel(deadline + timedelta(seconds=10), tick=False):
        assert "Closed 0 overdue" in runner.invoke(args=["attempts", "close-overdue"]).output
    with time_machine.travel(deadline + timedelta(hours=5), tick=False):
        assert "Closed 1 overdue" in runner.invoke(args=["attempts", "close-overdue"]).output
    done = attempt(synced, attempt_id)
    assert done.status == "timed_out" and done.finished_at == deadline and done.correct_count == 1
    timeline = learner.get(f"/attempts/{attempt_id}/timeline").get_data(as_text=True)
    assert "Time ran out; ended by the server after the deadline" in timeline


def test_abandoned_attempt_is_closed_by_the_next_request(synced, learner):
    attempt_id = start_exam(learner)
    deadline = attempt(synced, attempt_id).deadline
    with time_machine.travel(deadline + timedelta(days=1), tick=False):
        # A day later the log-in has timed out too: log in, then the attempt is closed.
        assert "/auth/login" in learner.get(f"/attempts/{attempt_id}/questions/1").headers["Location"]
        Auth(learner).login()
        response = learner.get(f"/attempts/{attempt_id}/questions/1")
        assert response.status_code == 302 and "/result" in response.headers["Location"]
        # A new exam on that track starts fresh.
        assert start_exam(learner) != attempt_id
    assert attempt(synced, attempt_id).status == "timed_out"


def test_auto_submit_at_zero_is_timed_out_at_the_deadline(synced, learner):
    attempt_id = start_exam(learner)
    csrf = token(learner, attempt_id)
    deadline = attempt(synced, attempt_id).deadline
    with time_machine.travel(deadline + timedelta(seconds=2), tick=False):
        learner.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": csrf})
    done = attempt(synced, attempt_id)
    assert done.status == "timed_out" and done.finished_at == deadline


def test_clock_endpoint_gives_server_time(synced, learner):
    attempt_id = start_exam(learner)
    started = attempt(synced, attempt_id).started_at
    with time_machine.travel(started + timedelta(minutes=80), tick=False):
        assert learner.get(f"/attempts/{attempt_id}/clock").json == {
            "status": "in_progress", "remaining_seconds": 600}


ATTEMPT_ROUTES = [
    ("GET", "/attempts/{id}"), ("GET", "/attempts/{id}/questions/1"),
    ("POST", "/attempts/{id}/questions/1"), ("POST", "/attempts/{id}/questions/1/save"),
    ("GET", "/attempts/{id}/clock"), ("GET", "/attempts/{id}/summary"),
    ("POST", "/attempts/{id}/submit"), ("GET", "/attempts/{id}/result"),
    ("GET", "/attempts/{id}/review"),
]


def test_every_attempt_route_is_404_to_another_user(synced, learner, other_learner):
    attempt_id = start_exam(learner)
    csrf = token(other_learner, start_exam(other_learner))
    for method, pattern in ATTEMPT_ROUTES:
        url = pattern.format(id=attempt_id)
        response = other_learner.open(url, method=method, headers={"X-CSRFToken": csrf},
                                      json={"seq": 1, "selected": ["A"]} if url.endswith("save") else None,
                                      data=None if url.endswith("save") else {"csrf_token": csrf})
        assert response.status_code == 404, (method, url)
    assert attempt(synced, attempt_id).status == "in_progress"
    assert items(synced, attempt_id)[0][0].selected == []


def test_nothing_reveals_the_key_before_submission(synced, learner):
    attempt_id = start_exam(learner)
    rows = items(synced, attempt_id)
    csrf = token(learner, attempt_id)
    bodies = []
    for item, version in rows:
        bodies.append(learner.get(f"/attempts/{attempt_id}/questions/{item.position}").get_data(as_text=True))
        bodies.append(save(learner, attempt_id, item.position,
                           {"seq": 1, "selected": wrong_labels(item, version)}, csrf=csrf).get_data(as_text=True))
    for url in (f"/attempts/{attempt_id}", f"/attempts/{attempt_id}/summary", f"/attempts/{attempt_id}/clock",
                f"/attempts/{attempt_id}/result", f"/attempts/{attempt_id}/review", "/history", "/history.csv",
                "/static/exam.js", "/tracks/test-architect"):
        response = learner.get(url, follow_redirects=True)
        bodies.append(response.get_data(as_text=True))
        response.close()
    everything = "\n".join(bodies)
    assert "SECRET-EXPLANATION" not in everything
    assert "because Bravo is right" not in everything
    for word in ("is_correct", "correct answer", "Correct answer", "answer_key", '"answer"'):
        assert word not in everything, word
    # The result, review and timeline pages send the learner back to the exam
    # until submission, saying why; a report on one of its questions is refused.
    for page in ("result", "review", "timeline"):
        response = learner.get(f"/attempts/{attempt_id}/{page}")
        assert (response.status_code, response.headers["Location"]) == (302, f"/attempts/{attempt_id}"), page
        assert "submit it to see the result" in learner.get(response.headers["Location"],
                                                            follow_redirects=True).get_data(as_text=True)
    report = learner.post(f"/attempts/{attempt_id}/questions/1/report",
                          data={"csrf_token": csrf, "reason": "unclear"})
    assert report.status_code == 404


def test_concurrent_double_submit_scores_once(tmp_path, banks_dir):
    """Two servers submit the same attempt at the same moment: one scores it."""
    import os

    from .conftest import start_attempt
    from quizapp.models import Track, User, now_utc

    from .conftest import app_on, drop_app, fresh_app

    url = os.environ.get("QUIZAPP_TEST_DATABASE_URL") or f"sqlite:///{tmp_path}/race.sqlite3"
    apps = [fresh_app(url, banks_dir, sync=True), app_on(url, banks_dir)]
    with apps[0].app_context():
        user = User(email="race@example.com", password_hash="x")
        db.session.add(user)
        db.session.flush()
        track = db.session.scalar(select(Track))
        attempt_id = start_attempt(db.session, user.id, track, now_utc()).id
        db.session.commit()
    barrier = threading.Barrier(2)
    outcomes = []

    def submit(app):
        # As in a POST request: SQLite opens the transaction for writing.
        write_intent.set(True)
        with app.app_context():
            barrier.wait()
            a = db.session.get(Attempt, attempt_id)
            outcomes.append(finish_attempt(db.session, a, now_utc(), by="learner"))
            db.session.commit()

    threads = [threading.Thread(target=submit, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == [False, True]
    with apps[0].app_context():
        a = db.session.get(Attempt, attempt_id)
        assert a.status == "submitted" and a.correct_count == 0
    drop_app(apps[0])
    with apps[1].app_context():
        db.engine.dispose()


def test_save_runs_a_fixed_number_of_queries(synced, learner, count_queries):
    attempt_id = start_exam(learner)
    csrf = token(learner, attempt_id)
    with count_queries() as statements:
        assert save(learner, attempt_id, 1, {"seq": 1, "selected": ["A"]}, csrf=csrf).status_code == 200
    # The question with its attempt (ownership included), the conditional
    # update. The user row is not loaded: the signed session names the user.
    assert len(statements) == 2, statements


def test_question_page_runs_a_fixed_number_of_queries(synced, learner, count_queries):
    attempt_id = start_exam(learner)
    learner.get(f"/attempts/{attempt_id}/questions/1")
    with count_queries() as statements:
        learner.get(f"/attempts/{attempt_id}/questions/3")
    # The user, the attempt with its track (the title), its questions, this question's version.
    assert len(statements) == 4, statements


# ---- Which questions an exam draws (start_attempt over the synced banks).

def draw(app, seed=None, email="learner@example.com", slug="test-architect"):
    """Start an exam with a fixed seed as `email`: [(bank id, version id, choice order)]."""
    from .conftest import start_attempt
    from quizapp.models import Question, Track

    from .conftest import NOW, user_id

    uid = user_id(app, email)
    with app.app_context():
        track = db.session.scalar(select(Track).where(Track.slug == slug))
        new = start_attempt(db.session, uid, track, NOW, seed=seed)
        rows = db.session.execute(
            select(Question.bank_id, AttemptQuestion.question_version_id, AttemptQuestion.choice_order)
            .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.question_version_id)
            .join(Question, Question.id == QuestionVersion.question_id)
            .where(AttemptQuestion.attempt_id == new.id).order_by(AttemptQuestion.position)).all()
        finish_attempt(db.session, new, NOW, by="learner")
        db.session.commit()
        return [tuple(r) for r in rows]


def edit_bank(banks_dir, name, old, new, slug="test-architect"):
    path = banks_dir / slug / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_a_second_exam_avoids_the_questions_of_the_first(synced, learner, other_learner):
    first = {bank_id for bank_id, _, _ in draw(synced, seed=1)}
    second = {bank_id for bank_id, _, _ in draw(synced, seed=1)}
    assert len(second) == 5 and not first & second
    # Only one's own history counts: with none, the same seed draws the same questions.
    assert {bank_id for bank_id, _, _ in draw(synced, seed=1, email="other@example.com")} == first
    # The third takes the two payments questions still unseen and repeats one.
    third = {bank_id for bank_id, _, _ in draw(synced, seed=1)}
    unseen = {f"payments-{n:03d}" for n in range(1, 9)} - first - second
    assert len(unseen) == 2 and unseen <= third and len(third & (first | second)) == 1


def test_retired_questions_are_never_drawn(synced, learner, banks_dir):
    # Payments keeps three questions, exactly what an exam asks of it.
    path = banks_dir / "test-architect" / "payments.yaml"
    head, *questions = path.read_text().split("  - id: ")
    path.write_text(head + "".join("  - id: " + q for q in questions if q.startswith(
        ("payments-001", "payments-002", "payments-003"))))
    assert synced.test_cli_runner().invoke(args=["banks", "sync"]).exit_code == 0
    for seed in range(5):
        payments = {bank_id for bank_id, _, _ in draw(synced, seed) if bank_id.startswith("payments")}
        assert payments == {"payments-001", "payments-002", "payments-003"}, seed


def test_an_edited_question_is_drawn_in_its_new_version_and_scored_on_its_new_key(synced, learner, banks_dir):
    old = {bank_id: version for bank_id, version, _ in draw(synced, seed=3)}
    for name in ("payments.yaml", "connect.yaml"):
        # The authors fix every single-answer key: c, not b, is right now.
        edit_bank(banks_dir, name, "    answer: b\n", "    answer: c\n")
        edit_bank(banks_dir, name, "because Bravo is right.", "because Charlie is right.")
    assert synced.test_cli_runner().invoke(args=["banks", "sync"]).exit_code == 0
    attempt_id = start_exam(learner)
    rows = items(synced, attempt_id)
    assert len(rows) == 5
    with synced.app_context():
        from quizapp.models import Question
        current = dict(db.session.execute(
            select(Question.id, Question.current_hash)).all())
    for item, version in rows:
        assert version.content_hash == current[version.question_id]
        assert old.get(version.question_id) != version.id
        if item.choose == 1:
            assert version.answer == ["c"] and "Charlie is right" in version.explanation
    for item, version in rows:
        save(learner, attempt_id, item.position, {"seq": 1, "selected": right_labels(item, version)})
    learner.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": token(learner, attempt_id)})
    assert attempt(synced, attempt_id).correct_count == 5


def test_an_exam_draws_only_from_its_own_track(app, banks_dir, auth):
    from .conftest import load_into, write_bank

    write_bank(banks_dir, slug="second-architect")
    load_into(app, banks_dir)
    auth.register()
    with app.app_context():
        from quizapp.models import Question, Track
        second = db.session.scalar(select(Track.id).where(Track.slug == "second-architect"))
        theirs = set(db.session.scalars(select(QuestionVersion.id).join(
            Question, Question.id == QuestionVersion.question_id).where(Question.track_id == second)))
    for seed in range(4):
        assert not {version for _, version, _ in draw(app, seed)} & theirs, seed


def test_choices_are_shuffled_except_where_the_bank_keeps_their_order(synced, learner, banks_dir):
    # Every single-answer payments question keeps its order; the rest shuffle.
    edit_bank(banks_dir, "payments.yaml", "    answer: b\n", "    answer: b\n    shuffle: false\n")
    assert synced.test_cli_runner().invoke(args=["banks", "sync"]).exit_code == 0
    orders = {"kept": [], "shuffled": []}
    for seed in range(6):
        for bank_id, _, order in draw(synced, seed):
            number = int(bank_id.rsplit("-", 1)[1])
            kept = bank_id.startswith("payments") and number % 4
            orders["kept" if kept else "shuffled"].append(order)
    assert orders["kept"] and all(order == ["a", "b", "c", "d"] for order in orders["kept"])
    assert any(order != sorted(order) for order in orders["shuffled"])


def test_finishing_one_attempt_leaves_everyone_elses_in_progress(synced, learner, other_learner):
    mine = start_exam(learner)
    theirs = start_exam(other_learner)
    for client, attempt_id in ((learner, mine), (other_learner, theirs)):
        for item, version in items(synced, attempt_id)[:2]:
            save(client, attempt_id, item.position, {"seq": 1, "selected": right_labels(item, version)})
    learner.post(f"/attempts/{mine}/submit", data={"csrf_token": token(learner, mine)})
    assert attempt(synced, mine).status == "submitted" and attempt(synced, mine).correct_count == 2
    still = attempt(synced, theirs)
    assert still.status == "in_progress" and still.finished_at is None and still.correct_count is None
    # The other learner carries on, and their own submission scores their own answers.
    item, version = items(synced, theirs)[2]
    assert save(other_learner, theirs, item.position,
                {"seq": 1, "selected": right_labels(item, version)}).json["saved"]
    other_learner.post(f"/attempts/{theirs}/submit", data={"csrf_token": token(other_learner, theirs)})
    assert attempt(synced, theirs).status == "submitted" and attempt(synced, theirs).correct_count == 3


def test_start_resumes_only_your_own_attempt_on_the_same_track(app, banks_dir, auth):
    from .conftest import load_into, write_bank

    write_bank(banks_dir, slug="second-architect")
    load_into(app, banks_dir)
    auth.register()
    learner = auth.client
    other = app.test_client()
    Auth(other).register("other@example.com")
    mine = start_exam(learner)
    # Someone else starting the same track gets their own exam.
    theirs = start_exam(other)
    assert theirs != mine
    # Starting another track starts a new exam there; each track resumes its own.
    second = start_exam(learner, "second-architect")
    assert second not in (mine, theirs)
    assert start_exam(learner) == mine and start_exam(learner, "second-architect") == second
    assert start_exam(other) == theirs
    with app.app_context():
        from quizapp.models import Track
        slugs = dict(db.session.execute(select(Attempt.id, Track.slug).join(Track)).all())
    assert slugs == {mine: "test-architect", theirs: "test-architect", second: "second-architect"}


def test_save_answer_says_what_became_of_each_save(synced, learner, other_learner):
    from quizapp.exams.attempts import save_answer

    from .conftest import user_id

    attempt_id = start_exam(learner)
    # Position 1 asks for one option, position 2 for two, whatever the draw.
    with synced.app_context():
        single = db.session.scalar(select(QuestionVersion).where(
            ~QuestionVersion.stem.contains("(Choose two.)")))
        db.session.execute(update(AttemptQuestion).where(
            AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.position == 1).values(
            question_version_id=single.id, choose=1, choice_order=["d", "c", "b", "a"]))
        db.session.commit()
    make_choose_two(synced, attempt_id, 2)
    with synced.app_context():
        db.session.execute(update(AttemptQuestion).where(
            AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.position == 2).values(
            choice_order=["e", "d", "c", "b", "a"]))
        db.session.commit()
    mine, theirs = user_id(synced), user_id(synced, "other@example.com")
    with synced.app_context():
        started, deadline = db.session.get(Attempt, attempt_id).started_at, db.session.get(Attempt, attempt_id).deadline

        def call(position=1, seq=1, selected=("A",), struck=(), seconds=None, after=75, owner=mine):
            result = save_answer(
                db.session, user_id=owner, attempt_id=attempt_id, position=position, seq=seq,
                selected=list(selected), flagged=False, struck=list(struck), seconds_spent=seconds,
                now=started + timedelta(seconds=after), grace_seconds=30)
            db.session.commit()
            # The message as an English-speaking learner reads it.
            return result.status, result.message % result.values, result.seq, result.deadline

        assert call(seq=1, selected=["B"], after=0) == ("saved", "", 1, deadline)
        assert call(seq=1, selected=["C"]) == ("stale", "A newer answer is already saved.", 1, deadline)
        assert call(seq=None, selected=["C"], seconds=20) == ("saved", "", 2, deadline)
        assert call(seq=5, selected=["D"], seconds=3000) == ("saved", "", 5, deadline)
        # The changes are kept with the second of the attempt they came at; the
        # time figure is capped at the time the attempt has run.
        item = db.session.scalar(select(AttemptQuestion).where(
            AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.position == 1))
        order = item.choice_order
        assert item.changes == [[0, [order[1]], 0, 0], [75, [order[2]], 0, 0], [75, [order[3]], 0, 0]]
        assert item.seconds_spent == 75
        nothing = ("not_found", "No such question in your attempts.", 0, None)
        assert call(position=99, seq=6) == nothing
        assert call(seq=6, owner=theirs) == nothing
        unknown = ("invalid", "That option is not part of this question.", 0, None)
        assert call(seq=6, selected=["Z"]) == unknown
        assert call(seq=6, struck=["Z"]) == unknown
        assert call(seq=6, selected=["A", "B"]) == ("invalid", "Choose no more than 1 options.", 0, None)
        assert call(position=2, seq=1, selected=["A", "B", "C"]) == (
            "invalid", "Choose no more than 2 options.", 0, None)
        # A choose-two answer is kept in the order the options are shown.
        assert call(position=2, seq=1, selected=["C", "A"], struck=["E", "D"])[0] == "saved"
        two = db.session.scalar(select(AttemptQuestion).where(
            AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.position == 2))
        assert two.selected == ["e", "c"] and two.struck == ["b", "a"]
        late = 90 * 60 + 31
        assert call(seq=7, after=late) == (
            "closed", "Time is up: this answer arrived after the deadline.", 0, None)
        assert db.session.get(Attempt, attempt_id).status == "timed_out"
        assert call(seq=8) == ("closed", "This exam has ended; answers can no longer change.", 0, None)
        with pytest.raises(ValueError, match="^save_answer needs a user_id or a login$"):
            save_answer(db.session, attempt_id=attempt_id, position=1, seq=9, selected=[], flagged=False,
                        struck=[], seconds_spent=None, now=started, grace_seconds=30)


def test_an_exam_never_holds_two_questions_of_one_enemy_group(synced, learner, banks_dir):
    # Payments 1 to 6 test the same fact: an exam takes one of them, and 7 and 8.
    for number in range(1, 7):
        edit_bank(banks_dir, "payments.yaml", f"  - id: payments-{number:03d}\n",
                  f"  - id: payments-{number:03d}\n    enemy_groups: [same-fact]\n")
    assert synced.test_cli_runner().invoke(args=["banks", "sync"]).exit_code == 0
    for seed in range(6):
        payments = sorted(b for b, _, _ in draw(synced, seed) if b.startswith("payments"))
        assert len(payments) == 3 and payments[1:] == ["payments-007", "payments-008"], seed


def test_each_exam_gets_its_own_seed_and_keeps_it(synced, learner):
    from .conftest import start_attempt
    from quizapp.models import Track

    from .conftest import NOW, user_id

    uid = user_id(synced)
    with synced.app_context():
        track = db.session.scalar(select(Track))
        given = start_attempt(db.session, uid, track, NOW, seed=12345)
        finish_attempt(db.session, given, NOW, by="learner")
        seeds = []
        for _ in range(20):
            drawn = start_attempt(db.session, uid, track, NOW)
            seeds.append(drawn.seed)
            finish_attempt(db.session, drawn, NOW, by="learner")
        db.session.commit()
        assert db.session.get(Attempt, given.id).seed == 12345
    # Drawn from 2**31 seeds: twenty exams in a row never share one.
    assert len(set(seeds)) == 20 and all(0 <= s < 2**31 for s in seeds)


def test_cron_closes_every_overdue_attempt_and_only_those(synced, learner, other_learner):
    early, late = start_exam(learner), start_exam(other_learner)
    backdate(synced, early, 60)            # its deadline comes an hour before the other's
    runner = synced.test_cli_runner()
    deadline = attempt(synced, late).deadline
    with time_machine.travel(deadline - timedelta(minutes=30), tick=False):
        assert "Closed 1 overdue" in runner.invoke(args=["attempts", "close-overdue"]).output
        assert attempt(synced, early).status == "timed_out" and attempt(synced, late).status == "in_progress"
    third = start_exam(learner)
    backdate(synced, third, 60)
    with time_machine.travel(deadline + timedelta(minutes=1), tick=False):
        assert "Closed 2 overdue" in runner.invoke(args=["attempts", "close-overdue"]).output
    assert {attempt(synced, a).status for a in (early, late, third)} == {"timed_out"}
def test_a_start_reads_outside_the_write_lock_and_caches_the_candidates(synced, learner, other_learner, count_queries):
    # The first start in this process loaded the track's candidates; later starts reuse them.
    start_exam(other_learner)
    token = csrf_from(learner.get("/tracks/test-architect").get_data(as_text=True))
    with count_queries() as statements:
        learner.post("/tracks/test-architect/start", data={"csrf_token": token})
    candidates_query = [s for s in statements if "question_versions.choices" in s]
    assert candidates_query == []
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 3  # the attempt, its start event, its questions (one bulk INSERT)
    # Reads: session, track, in-progress check, accommodation, times seen; then only the writes.
    assert len(statements) == 8
    assert all(s.lstrip().upper().startswith("SELECT") for s in statements[:5]) and statements[5:] == inserts


def test_a_bank_sync_that_changes_questions_refreshes_every_processs_candidates(synced, banks_dir, learner):
    from quizapp.banks import load_banks
    from quizapp.banks.sync import sync_banks
    from quizapp.models import Question, now_utc
    start_exam(learner)
    payments = banks_dir / "test-architect" / "payments.yaml"
    text = payments.read_text()
    # Retire payments-001 by removing it from the bank.
    start, end = text.index("  - id: payments-001"), text.index("  - id: payments-002")
    payments.write_text(text[:start] + text[end:])
    with synced.app_context():
        sync_banks(db.session, load_banks(banks_dir).tracks, now_utc())
        db.session.commit()
        retired = db.session.scalar(select(Question.id).where(Question.bank_id == "payments-001"))
    other = synced.test_client()
    Auth(other).register("third@example.com")
    for _ in range(15):
        attempt_id = start_exam(other)
        token = csrf_from(other.get(f"/attempts/{attempt_id}/summary").get_data(as_text=True))
        other.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": token})
        drawn = {v.question_id for _, v in items(synced, attempt_id)}
        assert retired not in drawn
