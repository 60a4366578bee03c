"""Accounts and inputs as an attacker tries them: sessions that end, throttles, passwords,
registration that tells nothing, no 500 on odd input, and time figures the server caps."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from quizapp.auth import routes as auth_routes
from quizapp.auth import throttle
from quizapp.extensions import db
from quizapp.models import Attempt, AttemptQuestion, User, now_utc
from quizapp.models import accounts
from quizapp.security import client_address_from, throttle_key
from quizapp.config import trusted_networks

from .conftest import PASSWORD, TEST_DATABASE_URL, Auth, backdate, csrf_from, fresh_app, drop_app, start_exam


def log_out(client):
    return client.post("/auth/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})


def copy_cookie(source, target):
    """Give `target` the session cookie `source` has now, as an attacker who copied it would."""
    target.set_cookie("session", source.get_cookie("session").value)


def save(client, attempt_id, token, body, position=1):
    return client.post(f"/attempts/{attempt_id}/questions/{position}/save", data=json.dumps(body),
                       content_type="application/json",
                       headers={"X-CSRFToken": token, "Accept": "application/json"})


# --- sessions that end -----------------------------------------------------------------

def test_a_cookie_copied_before_log_out_is_dead_after_it(synced, learner):
    attempt_id = start_exam(learner)
    token = csrf_from(learner.get(f"/attempts/{attempt_id}/questions/1").get_data(as_text=True))
    thief = synced.test_client()
    copy_cookie(learner, thief)
    assert thief.get("/history").status_code == 200
    assert save(thief, attempt_id, token, {"seq": 1, "selected": ["A"]}).json["saved"] is True

    log_out(learner)
    assert thief.get("/history").status_code == 302
    refused = save(thief, attempt_id, token, {"seq": 2, "selected": ["B"]})
    assert refused.status_code == 401 and "logged out" in refused.json["error"]
    # A later log-in and log-out does not bring the copied cookie back.
    Auth(learner).login()
    assert thief.get("/history").status_code == 302
    log_out(learner)
    assert thief.get("/history").status_code == 302
    with synced.app_context():
        item = db.session.scalar(select(AttemptQuestion).where(AttemptQuestion.position == 1))
        assert item.save_seq == 1  # the refused save changed nothing


def test_log_out_everywhere_ends_every_device(synced, learner):
    phone = synced.test_client()
    Auth(phone).login()
    page = learner.get("/account").get_data(as_text=True)
    assert "Log out everywhere" in page
    response = learner.post("/account/sessions/end", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert learner.get("/history").status_code == 302
    assert phone.get("/history").status_code == 302


def change_password(client, current, new, confirm=None):
    page = client.get("/account").get_data(as_text=True)
    return client.post("/account/password", data={
        "current": current, "password": new, "confirm": confirm or new, "csrf_token": csrf_from(page)})


def test_password_change_keeps_this_device_and_ends_the_others(synced, learner):
    phone = synced.test_client()
    Auth(phone).login()
    assert change_password(learner, "not my password", "a brand new pass phrase").status_code == 422
    assert phone.get("/history").status_code == 200  # a wrong current password changes nothing
    response = change_password(learner, PASSWORD, "a brand new pass phrase")
    assert response.status_code == 302
    assert learner.get("/history").status_code == 200
    assert phone.get("/history").status_code == 302
    log_out(learner)
    assert Auth(learner).login(password=PASSWORD).status_code == 401
    assert Auth(learner).login(password="a brand new pass phrase").status_code == 302


def test_password_change_applies_the_password_rules(learner):
    response = change_password(learner, PASSWORD, "1234567890")
    assert response.status_code == 422
    assert "one of the most common" in response.get_data(as_text=True)


def test_changing_to_the_same_password_is_refused_and_ends_no_session(synced, learner):
    phone = synced.test_client()
    Auth(phone).login()
    response = change_password(learner, PASSWORD, PASSWORD)
    assert response.status_code == 422
    assert "Choose a new password, not the current one." in response.get_data(as_text=True)
    assert phone.get("/history").status_code == 200


def test_sessions_end_after_the_idle_timeout_and_the_absolute_lifetime(synced, learner):
    attempt_id = start_exam(learner)
    # Active through a whole exam: the page's clock calls keep the session alive.
    start = now_utc()
    for minute in range(0, 200, 10):
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            assert learner.get(f"/attempts/{attempt_id}/clock").status_code == 200
    # Two idle hours later it is over.
    with time_machine.travel(start + timedelta(minutes=190 + 121), tick=False):
        assert learner.get("/history").status_code == 302
    # Kept busy, it still ends after 14 days.
    Auth(learner).login()
    start = now_utc()
    for hour in range(0, 14 * 24, 1):
        with time_machine.travel(start + timedelta(hours=hour), tick=False):
            assert learner.get("/history").status_code == 200
    with time_machine.travel(start + timedelta(days=14, minutes=1), tick=False):
        assert learner.get("/history").status_code == 302


def test_a_save_after_the_session_expired_is_401_and_changes_nothing(synced, learner):
    attempt_id = start_exam(learner)
    token = csrf_from(learner.get(f"/attempts/{attempt_id}/questions/1").get_data(as_text=True))
    with time_machine.travel(now_utc() + timedelta(minutes=121), tick=False):
        response = save(learner, attempt_id, token, {"seq": 1, "selected": ["A"]})
    assert response.status_code == 401
    with synced.app_context():
        assert db.session.scalar(select(AttemptQuestion.save_seq).where(AttemptQuestion.position == 1)) == 0


def test_a_practice_check_posted_after_the_session_expired_asks_to_log_in(synced, learner):
    from .test_practice import start_practice

    session_id = start_practice(learner, count="custom", custom_count="1")
    token = csrf_from(learner.get(f"/practice/{session_id}/questions/1").get_data(as_text=True))
    with time_machine.travel(now_utc() + timedelta(minutes=121), tick=False):
        response = learner.post(f"/practice/{session_id}/questions/1/check",
                                data={"csrf_token": token, "choice": ["A"]})
    # Not "No such question": the question is there, the log-in is not.
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")


# --- password hashing outside the write lock --------------------------------------------

@pytest.mark.skipif(TEST_DATABASE_URL.startswith("postgresql"), reason="SQLite's write lock")
def test_another_learner_can_write_while_a_log_in_hashes(tmp_path, banks_dir, monkeypatch):
    path = tmp_path / "hash.sqlite3"
    app = fresh_app(f"sqlite:///{path}", banks_dir, sync=True)
    client = app.test_client()
    Auth(client).register()
    log_out(client)
    writes_during_hash = []

    import quizapp.models.accounts as models
    real = models.check_password_hash

    def hash_and_try_a_write(stored, password):
        other = sqlite3.connect(path, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            writes_during_hash.append(True)
        except sqlite3.OperationalError:
            writes_during_hash.append(False)
        finally:
            other.close()
        return real(stored, password)

    monkeypatch.setattr(models, "check_password_hash", hash_and_try_a_write)
    assert Auth(client).login(password="a wrong password").status_code == 401
    assert Auth(client).login().status_code == 302
    assert writes_during_hash == [True, True]
    drop_app(app)


# --- throttles --------------------------------------------------------------------------

def client_at(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_spraying_many_accounts_from_one_address_is_slowed(synced):
    sprayer = client_at(synced, "203.0.113.9")
    statuses = [Auth(sprayer).login(f"user{i}@example.com", "Summer2026!!").status_code for i in range(30)]
    assert statuses[:20] == [401] * 20
    assert set(statuses[20:]) == {429}
    refused = Auth(sprayer).login("user99@example.com", "Summer2026!!")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "Too many failed log-ins" in refused.get_data(as_text=True)
    # Another address is not affected.
    assert Auth(client_at(synced, "198.51.100.7")).login("user1@example.com", "x" * 12).status_code == 401


def test_a_browser_that_logged_in_before_is_not_held_up_by_its_neighbours_failures(synced):
    # A school's address: alice has logged in from her browser before; someone there
    # then fails 25 times on other accounts. Alice's browser still gets in; a browser
    # that never logged in to bob's account waits, as a sprayer's would.
    Auth(client_at(synced, "198.51.100.7")).register("alice@example.com")
    Auth(client_at(synced, "198.51.100.7")).register("bob@example.com")
    alice = client_at(synced, "203.0.113.9")
    assert Auth(alice).login("alice@example.com").status_code == 302
    assert alice.get_cookie("quizapp_device") is not None
    log_out(alice)
    sprayer = client_at(synced, "203.0.113.9")
    for i in range(25):
        Auth(sprayer).login(f"user{i}@example.com", "Summer2026!!")
    assert Auth(alice).login("alice@example.com").status_code == 302
    assert Auth(client_at(synced, "203.0.113.9")).login("bob@example.com").status_code == 429
    # Alice's note is for her account only: from her browser, bob's waits too.
    log_out(alice)
    assert Auth(alice).login("bob@example.com").status_code == 429
    # A forged note counts for nothing.
    forger = client_at(synced, "203.0.113.9")
    forger.set_cookie("quizapp_device", "bob@example.com.forged.signature")
    assert Auth(forger).login("bob@example.com").status_code == 429
    # The account's own count still holds for the known browser: guesses there slow down.
    for _ in range(6):
        Auth(alice).login("alice@example.com", "guessing wrong")
    assert Auth(alice).login("alice@example.com").status_code == 429


def test_a_stranger_cannot_lock_the_owner_out(synced):
    Auth(client_at(synced, "198.51.100.7")).register("owner@example.com")
    stranger = client_at(synced, "203.0.113.9")
    for _ in range(12):
        Auth(stranger).login("owner@example.com", "guessing wrong")
    assert Auth(stranger).login("owner@example.com", PASSWORD).status_code == 429
    owner = client_at(synced, "198.51.100.7")
    assert Auth(owner).login("owner@example.com").status_code == 302


def test_failed_log_ins_for_one_account_get_growing_delays_across_servers(synced):
    Auth(synced.test_client()).register("victim@example.com")
    first, second = synced.test_client(), synced.test_client()  # one database, two clients
    start = now_utc()
    with time_machine.travel(start, tick=False):
        for i in range(5):
            client = first if i % 2 else second
            assert Auth(client).login("victim@example.com", "wrong password!").status_code == 401
        refused = Auth(first).login("victim@example.com", "wrong password!")
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "2"
    waits = []
    moment = start
    for _ in range(4):
        moment += timedelta(seconds=int(refused.headers["Retry-After"]))
        with time_machine.travel(moment, tick=False):
            assert Auth(second).login("victim@example.com", "wrong password!").status_code == 401
            refused = Auth(first).login("victim@example.com", "wrong password!")
            assert refused.status_code == 429
            waits.append(int(refused.headers["Retry-After"]))
    assert waits == [4, 8, 16, 32]
    moment += timedelta(seconds=32)
    with time_machine.travel(moment, tick=False):
        assert Auth(first).login("victim@example.com").status_code == 302


def test_throttle_wait_grows_and_is_capped_by_the_window():
    rule = throttle.Throttle("t", free=3, window_seconds=60)
    now = now_utc()
    assert rule.wait_seconds(2, now, now) == 0
    assert [rule.wait_seconds(n, now, now) for n in (3, 4, 5, 6, 7, 8)] == [2, 4, 8, 16, 32, 60]
    assert rule.wait_seconds(1000, now, now) == 60
    assert rule.wait_seconds(3, now - timedelta(seconds=1), now) == 1
    assert rule.wait_seconds(3, now - timedelta(seconds=5), now) == 0


def test_forwarded_for_counts_only_behind_a_trusted_proxy(synced):
    proxies = trusted_networks("10.0.0.0/8, 192.0.2.1")
    assert client_address_from("203.0.113.5", "1.2.3.4", proxies) == "203.0.113.5"
    assert client_address_from("10.1.2.3", "1.2.3.4", proxies) == "1.2.3.4"
    assert client_address_from("10.1.2.3", "6.6.6.6, 1.2.3.4, 192.0.2.1", proxies) == "1.2.3.4"
    assert client_address_from("10.1.2.3", "not an address", proxies) == "10.1.2.3"
    assert client_address_from("10.1.2.3", "", proxies) == "10.1.2.3"
    assert client_address_from("10.1.2.3", "1.2.3.4", []) == "10.1.2.3"
    # Through the app: a header from an untrusted socket does not dodge the throttle.
    client = client_at(synced, "203.0.113.9")
    for i in range(21):
        response = client.post(
            "/auth/login", data={"email": f"u{i}@example.com", "password": "x" * 12,
                                 "csrf_token": Auth(client).token()},
            headers={"X-Forwarded-For": f"1.1.1.{i}"})
    assert response.status_code == 429


def test_registration_is_throttled_per_address(synced):
    client = client_at(synced, "203.0.113.9")
    statuses = [Auth(client).register(f"new{i}@example.com", login=False).status_code for i in range(11)]
    assert statuses == [303] * 10 + [429]


def test_an_ipv6_client_is_counted_by_its_64_not_each_address_in_it(synced):
    # One line owns a whole /64 and may use any address in it: rotating through
    # them opened every account asked for. The next /64 is another line.
    statuses = [Auth(client_at(synced, f"2001:db8:1:2::{i:x}")).register(
        f"six{i}@example.com", login=False).status_code for i in range(11)]
    assert statuses == [303] * 10 + [429]
    assert Auth(client_at(synced, "2001:db8:1:3::1")).register("other-line@example.com",
                                                              login=False).status_code == 303
    assert throttle_key("::ffff:203.0.113.9") == "203.0.113.9" and throttle_key("203.0.113.9") == "203.0.113.9"
    assert throttle_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == "2001:db8:1:2::/64"



# Tries that arrive together: each password check (or hash) waits until the
# whole burst has reached it, or 3 s. Checked first and counted only after
# the hash, every try of a burst got there; counted first, in turn, only as
# many as the throttle lets through do.
class Burst:
    def __init__(self, size: int):
        self.size, self.arrived, self.everyone = size, [], threading.Event()

    def slowed(self, real):
        def wait_for_the_burst(*args):
            self.arrived.append(args)
            if len(self.arrived) == self.size:
                self.everyone.set()
            self.everyone.wait(3)
            return real(*args)
        return wait_for_the_burst

    def run(self, request) -> list[int]:
        statuses = []
        threads = [threading.Thread(target=lambda i=i: statuses.append(request(i))) for i in range(self.size)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        return sorted(statuses)


@pytest.fixture
def threaded_app(tmp_path, banks_dir):
    """An app on a database that several threads can share (a file, when not PostgreSQL)."""
    app = fresh_app(TEST_DATABASE_URL if TEST_DATABASE_URL.startswith("postgresql")
                    else f"sqlite:///{tmp_path}/burst.sqlite3", banks_dir, sync=True)
    yield app
    drop_app(app)


def learners_with_cheap_hashes(app, emails):
    with app.app_context():
        hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        db.session.add_all([User(email=email, password_hash=hashed) for email in emails])
        db.session.commit()


def test_a_burst_of_guesses_at_one_account_checks_no_more_passwords_than_the_limit(threaded_app, monkeypatch):
    learners_with_cheap_hashes(threaded_app, ["victim@example.com"])
    burst = Burst(12)
    monkeypatch.setattr(accounts, "check_password_hash", burst.slowed(accounts.check_password_hash))
    clients = [threaded_app.test_client() for _ in range(burst.size)]
    tokens = [Auth(client).token() for client in clients]
    statuses = burst.run(lambda i: clients[i].post("/auth/login", data={
        "email": "victim@example.com", "password": f"guess number {i}", "csrf_token": tokens[i]}).status_code)
    assert len(burst.arrived) == 5, "more passwords were checked than the limit allows"
    assert statuses == [401] * 5 + [429] * 7


def test_a_class_logging_in_together_from_one_address_is_not_held_up(threaded_app, monkeypatch):
    # More learners than the address's limit of failures (20), all right,
    # all at once, from one school's address: none is a failure, none waits.
    emails = [f"learner{i}@example.com" for i in range(25)]
    learners_with_cheap_hashes(threaded_app, emails)
    burst = Burst(len(emails))
    monkeypatch.setattr(accounts, "check_password_hash", burst.slowed(accounts.check_password_hash))
    clients = [threaded_app.test_client() for _ in emails]
    tokens = [Auth(client).token() for client in clients]
    statuses = burst.run(lambda i: clients[i].post("/auth/login", data={
        "email": emails[i], "password": PASSWORD, "csrf_token": tokens[i]}).status_code)
    assert statuses == [302] * len(emails)


def test_a_burst_of_registrations_from_one_address_opens_no_more_accounts_than_the_limit(threaded_app, monkeypatch):
    burst = Burst(14)
    monkeypatch.setattr(auth_routes, "hash_password", burst.slowed(auth_routes.hash_password))
    clients = [threaded_app.test_client() for _ in range(burst.size)]
    tokens = [Auth(client).token("/auth/register") for client in clients]
    statuses = burst.run(lambda i: clients[i].post("/auth/register", data={
        "email": f"new{i}@example.com", "password": PASSWORD, "confirm": PASSWORD,
        "csrf_token": tokens[i]}).status_code)
    assert statuses == [303] * 10 + [429] * 4
    with threaded_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 10


def test_a_right_current_password_does_not_count_against_the_next_change(synced, learner):
    # Each change is counted before its hash; a right one is taken back, so
    # more changes than the limit of wrong ones (5) all go through.
    password = PASSWORD
    for n in range(6):
        new = f"another passphrase {n}"
        response = learner.post("/account/password", data={
            "current": password, "password": new, "confirm": new,
            "csrf_token": csrf_from(learner.get("/account/").get_data(as_text=True))})
        assert response.status_code == 302, response.get_data(as_text=True)
        password = new


# --- passwords --------------------------------------------------------------------------

@pytest.mark.parametrize("password, message", [
    ("1234567890", "one of the most common"),
    ("password12", "one of the most common"),
    ("learner@example.com", "Do not use your email address"),
    ("short", "Use at least 10 characters."),
    ("x" * 257, "Use at most 256 characters."),
])
def test_weak_passwords_are_refused_with_a_reason(app, auth, password, message):
    response = auth.register(password=password)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User)) is None


def test_long_pass_phrases_are_accepted(app, auth):
    phrase = "a long pass phrase that keeps going " * 5 + "x" * 40  # 220 characters
    assert auth.register(password=phrase, login=False).status_code == 303
    assert auth.login(password=phrase).status_code == 302


# --- registration tells nothing ---------------------------------------------------------

def test_registering_a_taken_email_answers_like_a_new_one(app, auth, monkeypatch):
    import quizapp.auth.routes as routes
    hashes = []
    real = routes.hash_password
    monkeypatch.setattr(routes, "hash_password", lambda p: hashes.append(p) or real(p))
    new = auth.register("learner@example.com", login=False)
    taken = auth.register("Learner@Example.com ", "another long password", login=False)
    assert new.status_code == taken.status_code == 303
    assert new.headers["Location"] == taken.headers["Location"]
    assert len(hashes) == 2  # the same work, so about the same time
    flashes = []
    for _ in range(2):
        flashes.append(auth.client.get(new.headers["Location"]).get_data(as_text=True))
    with app.app_context():
        users = db.session.scalars(select(User)).all()
        assert len(users) == 1 and users[0].check_password(PASSWORD)  # the owner's password stands
    # The next step tells an owner to log in with the password they have.
    assert auth.login(password=PASSWORD).status_code == 302


# --- no 500 on odd input ------------------------------------------------------------------

@pytest.mark.parametrize("go", ["next\n", "prev\n", "stay\n", "summary\n", "   ", "\t", "3\n"])
def test_odd_go_values_in_the_form_post_never_500(synced, learner, go):
    attempt_id = start_exam(learner)
    token = csrf_from(learner.get(f"/attempts/{attempt_id}/questions/1").get_data(as_text=True))
    response = learner.post(f"/attempts/{attempt_id}/questions/1",
                            data={"csrf_token": token, "choice": "A", "go": go})
    assert response.status_code in (302, 422)
    with synced.app_context():
        item = db.session.scalar(select(AttemptQuestion).where(AttemptQuestion.position == 1))
        # Refused means not saved; accepted whitespace means "stay".
        assert (item.save_seq == 0) == (response.status_code == 422)


def test_a_huge_history_page_number_is_an_empty_page(learner):
    response = learner.get("/history?page=461168601842738792")
    assert response.status_code == 200
    assert learner.get("/history?page=-5").status_code == 200


def test_a_deeply_nested_save_body_is_400(synced, learner):
    attempt_id = start_exam(learner)
    token = csrf_from(learner.get(f"/attempts/{attempt_id}/questions/1").get_data(as_text=True))
    body = "[" * 100_000 + "]" * 100_000
    response = learner.post(f"/attempts/{attempt_id}/questions/1/save", data=body[:60_000],
                            content_type="application/json",
                            headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.status_code == 400
    nested = '{"seq": 1, "selected": ' + "[" * 1000 + "]" * 1000 + "}"
    response = learner.post(f"/attempts/{attempt_id}/questions/1/save", data=nested,
                            content_type="application/json",
                            headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.status_code in (400, 422)


@pytest.mark.parametrize("path, fields", [
    ("/auth/login", {"email": "learner@example.com", "password": "x\ud800"}),
    ("/auth/register", {"email": "new@example.com", "password": "x\ud800", "confirm": "x\ud800"}),
    ("/account/password", {"current_password": "x\ud800", "new_password": "y", "confirm": "y"}),
    ("/language", {"locale": "ja", "next": "/\udfff"}),
    ("/attempts/{attempt}/questions/1/report", {"kind": "wrong-key", "comment": "\ud800"}),
    ("/attempts/{attempt}/questions/1/save", {"seq": 1, "selected": ["A"], "note": "\ud83d"}),
])
def test_a_lone_surrogate_in_a_json_body_is_400_and_changes_nothing(synced, learner, path, fields):
    # A JSON escape of half a UTF-16 pair decodes to text nothing can encode:
    # the database, the password hash and the redirect each raised (a 500), and
    # /language stored the locale first. A whole pair is a character like any other.
    attempt_id = start_exam(learner)
    token = csrf_from(learner.get(f"/attempts/{attempt_id}/questions/1").get_data(as_text=True))
    url = path.format(attempt=attempt_id)
    body = json.dumps({**fields, "csrf_token": token}, ensure_ascii=True).replace("\\\\u", "\\u")
    with synced.app_context():
        before = [db.session.scalar(select(func.count()).select_from(table)) for table in db.metadata.sorted_tables]
    response = learner.post(url, data=body, content_type="application/json",
                            headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert "not valid Unicode" in response.get_data(as_text=True)
    with synced.app_context():
        assert [db.session.scalar(select(func.count()).select_from(table))
                for table in db.metadata.sorted_tables] == before
    assert 'lang="en"' in learner.get("/").get_data(as_text=True)
    # A whole pair (an emoji) is text like any other: a wrong password, not a bad request.
    stranger = synced.test_client()
    token = csrf_from(stranger.get("/auth/login").get_data(as_text=True))
    whole = json.dumps({"email": "learner@example.com", "password": "wrong\U0001F600", "csrf_token": token})
    assert "\\ud83d\\ude00" in whole
    response = stranger.post("/auth/login", data=whole, content_type="application/json",
                             headers={"X-CSRFToken": token})
    assert response.status_code == 401 and "not valid Unicode" not in response.get_data(as_text=True)


def test_head_on_a_question_page_is_200(synced, learner):
    attempt_id = start_exam(learner)
    assert learner.head(f"/attempts/{attempt_id}/questions/1").status_code == 200


# --- time figures capped by the server ------------------------------------------------------

def test_a_question_cannot_take_longer_than_the_attempt_has_run(synced, learner):
    attempt_id = start_exam(learner)
    backdate(synced, attempt_id, 3)
    token = csrf_from(learner.get(f"/attempts/{attempt_id}/questions/1").get_data(as_text=True))
    # A page's figure past a day (time is added up over visits) is capped, not refused:
    # a refusal lost the answer with it.
    assert save(learner, attempt_id, token, {"seq": 1, "selected": ["A"], "seconds_spent": 100_000}).json["saved"]
    with synced.app_context():
        item = db.session.scalar(select(AttemptQuestion).where(AttemptQuestion.position == 1))
        assert 180 <= item.seconds_spent <= 185
    form = learner.post(f"/attempts/{attempt_id}/questions/2", data={
        "csrf_token": token, "choice": ["B"], "seconds_spent": "100000", "go": "stay"})
    assert form.status_code == 302
    learner.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": token})
    html = learner.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "1440 min" not in html and "(3 min" in html


def test_a_save_from_a_page_whose_tab_was_logged_out_elsewhere_says_so(synced, learner):
    # Log out in another tab: the session (and the CSRF token in it) is gone. The
    # page's autosave is told to log in again, not that its form "expired".
    attempt_id = start_exam(learner)
    token = csrf_from(learner.get(f"/attempts/{attempt_id}/questions/1").get_data(as_text=True))
    assert log_out(learner).status_code == 302
    response = save(learner, attempt_id, token, {"seq": 1, "selected": ["A"]})
    assert response.status_code == 401 and "You are logged out" in response.get_json()["error"]
    with synced.app_context():
        assert db.session.scalar(select(AttemptQuestion.save_seq).where(AttemptQuestion.position == 1)) == 0
    # A plain form with a bad token, logged in or not, is still the form's problem.
    assert learner.post("/auth/login", data={"csrf_token": "forged"}).status_code == 400
