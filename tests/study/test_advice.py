"""The recommended next step."""

from quizapp.study.advice import DomainRecord, TrackRecord, domain_records, next_step

DOMAINS = [{"slug": "payments", "title": "Payments"}, {"slug": "connect", "title": "Connect"}]


def track(due=0, counts=None, slug="t"):
    return TrackRecord(slug, "Test Architect", 70, due, domain_records(DOMAINS, counts or {}))


def test_due_questions_come_first():
    advice = next_step([track(counts={"payments": (10, 2)}), track(due=3, slug="u")])
    assert advice.action == "review" and advice.track == "u" and "3 questions are due" in advice.reason


def test_the_weakest_domain_below_the_pass_mark_is_drilled_with_its_accuracy():
    advice = next_step([track(counts={"payments": (10, 6), "connect": (10, 4)})])
    assert advice.action == "drill" and advice.domain == "connect"
    assert "Connect" in advice.reason and "40 %" in advice.reason


def test_a_domain_never_answered_is_drilled():
    advice = next_step([track(counts={"payments": (10, 9)})])
    assert advice.action == "drill" and advice.domain == "connect" and "not answered" in advice.reason


def test_every_domain_at_the_pass_mark_means_a_mock():
    advice = next_step([track(counts={"payments": (10, 7), "connect": (4, 4)})])
    assert advice.action == "mock" and "pass mark" in advice.reason


def test_no_data_means_a_first_mock_and_no_tracks_means_nothing():
    assert next_step([track()]).action == "mock"
    assert next_step([]) is None


def test_percent():
    assert DomainRecord("p", "P", 4, 1).percent == 25.0 and DomainRecord("p", "P").percent == 0.0


def test_a_mock_under_way_comes_before_anything_due():
    running = TrackRecord("u", "Other Architect", 70, 0, domain_records(DOMAINS, {}), mock_under_way=42)
    advice = next_step([track(due=30), running])
    assert advice.action == "resume" and advice.track == "u" and advice.attempt == 42
    assert "Other Architect mock exam is under way" in advice.reason
    assert next_step([track(due=30)]).action == "review"
