"""The home and track pages."""


def test_home_lists_tracks_with_duration_and_questions(synced, client):
    html = client.get("/").get_data(as_text=True)
    assert "Test Architect" in html
    assert "90 minutes" in html and "5–5" in html and "16 questions" in html


def test_track_page_shows_the_rules_and_asks_to_log_in(synced, client):
    html = client.get("/tracks/test-architect").get_data(as_text=True)
    assert "cannot be paused" in html and "70 %" in html and "Log in to start" in html


def test_unknown_track_is_404(synced, client):
    assert client.get("/tracks/nope").status_code == 404
