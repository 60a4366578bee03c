"""Accounts: register, log in, log out, CSRF, redirects, limits."""

from quizapp.extensions import db
from quizapp.models import User

from .conftest import PASSWORD, Auth, csrf_from


def test_register_then_log_in_and_hashes_with_scrypt(app, auth):
    response = auth.register(login=False)
    assert response.status_code == 303 and response.headers["Location"].startswith("/auth/login")
    assert "Log out" not in auth.client.get("/").get_data(as_text=True)
    assert auth.login().status_code == 302
    page = auth.client.get("/").get_data(as_text=True)
    assert "learner@example.com" in page and "Log out" in page
    with app.app_context():
        user = db.session.scalar(db.select(User))
        assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash


def test_a_server_hashes_at_werkzeugs_full_scrypt_cost(banks_dir):
    """The tests hash cheaply for speed; a server as configured does not."""
    from quizapp import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "s", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "BANKS_DIR": str(banks_dir), "CHECK_BANKS_ON_START": False})
    with app.app_context():
        db.create_all()
    auth = Auth(app.test_client())
    assert auth.register().status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(User.password_hash)).startswith("scrypt:32768:8:1$")


def test_short_password_and_mismatch_are_explained(auth):
    response = auth.register(password="short")
    assert response.status_code == 422
    assert "Use at least 10 characters." in response.get_data(as_text=True)
    response = auth.client.post("/auth/register", data={
        "email": "x@example.com", "password": PASSWORD, "confirm": PASSWORD + "x",
        "csrf_token": auth.token("/auth/register")})
    assert "The two passwords differ." in response.get_data(as_text=True)


def test_wrong_credentials_do_not_tell_whether_the_email_exists(auth):
    auth.register()
    auth.client.post("/auth/logout", data={"csrf_token": auth.token("/")})
    wrong_password = auth.login(password="not the password")
    no_account = auth.login(email="nobody@example.com")
    assert wrong_password.status_code == no_account.status_code == 401
    for response in (wrong_password, no_account):
        assert "Email or password is wrong." in response.get_data(as_text=True)


def test_login_and_logout(auth):
    auth.register()
    auth.client.post("/auth/logout", data={"csrf_token": auth.token("/")})
    assert "Log in" in auth.client.get("/").get_data(as_text=True)
    response = auth.login()
    assert response.status_code == 302 and response.headers["Location"] == "/"
    logout = auth.client.post("/auth/logout", data={"csrf_token": auth.token("/")})
    assert logout.status_code == 302
    assert auth.client.get("/history").status_code == 302  # back to the login page


def test_login_starts_a_new_session(auth):
    auth.register()
    auth.client.post("/auth/logout", data={"csrf_token": auth.token("/")})
    with auth.client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login()
    with auth.client.session_transaction() as session:
        assert "planted" not in session


def test_next_redirects_only_to_local_paths(auth):
    auth.register()
    for target, expected in [("/history", "/history"), ("https://evil.example/", "/"),
                             ("//evil.example/", "/"), ("/\\evil.example", "/"),
                             ("javascript:alert(1)", "/")]:
        auth.client.post("/auth/logout", data={"csrf_token": auth.token("/")})
        response = auth.login(next_url=target)
        assert response.status_code == 302
        assert response.headers["Location"] == expected, target


def test_post_without_or_with_a_wrong_csrf_token_is_refused(auth):
    response = auth.client.post("/auth/register", data={
        "email": "a@example.com", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 400
    assert "Reload the page and try again" in response.get_data(as_text=True)
    response = auth.client.post("/auth/login", data={
        "email": "a@example.com", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 400
    with auth.client.application.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_pages_work_without_javascript_forms_have_labels(client):
    html = client.get("/auth/register").get_data(as_text=True)
    for field in ("email", "password", "confirm"):
        assert f'<label for="{field}"' in html
    assert "<main" in html and "<nav" in html and "<header" in html and "<script" not in html
    assert csrf_from(html)
