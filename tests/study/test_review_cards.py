"""Review cards in the database: one upsert per answer, from bound rows or from a select."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import literal, select
from sqlalchemy.dialects import postgresql, sqlite

from quizapp.extensions import db
from quizapp.models import Question, ReviewCard
from quizapp.reviews import VALUES, Answer, card_row, stored_state, upsert_cards
from quizapp.study.schedule import review

from ..conftest import NOW
from ..measure.builders import make_user

INSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def cards(columns=(ReviewCard.user_id, ReviewCard.question_id, ReviewCard.reviews, ReviewCard.last_correct,
                   ReviewCard.last_flagged, ReviewCard.due)):
    return sorted(db.session.execute(select(*columns)).all())


def test_each_answer_is_one_review_of_the_learners_own_card(synced):
    learner, other = make_user(synced, "learner@example.com"), make_user(synced, "other@example.com")
    with synced.app_context():
        insert = INSERT[db.session.get_bind().dialect.name]
        (question, track), (second, _) = db.session.execute(
            select(Question.id, Question.track_id).order_by(Question.id).limit(2)).all()
        later = NOW + timedelta(days=2)
        first = card_row(Answer(learner, question, track, False, False, False, None), NOW)
        db.session.execute(upsert_cards(insert), [first, card_row(Answer(
            other, question, track, True, False, False, None), NOW)])
        previous = review(None, False, False, False, NOW)
        again = card_row(Answer(learner, question, track, True, True, False, previous), later)
        db.session.execute(upsert_cards(insert), [again, card_row(Answer(
            learner, second, track, True, False, False, None), later)])
        assert cards() == sorted([
            (learner, question, 2, True, True, again["due"]),
            (learner, second, 1, True, False, review(None, True, False, False, later).due),
            (other, question, 1, True, False, review(None, True, False, False, NOW).due)])
        state = db.session.execute(select(ReviewCard.state, ReviewCard.step, ReviewCard.stability,
                                          ReviewCard.difficulty, ReviewCard.due, ReviewCard.last_review)
                                   .where(ReviewCard.user_id == learner, ReviewCard.question_id == question)).one()
        assert stored_state(*state) == review(previous, True, True, False, later)


def test_a_card_written_from_a_select_counts_its_reviews_the_same(synced):
    # PostgreSQL's check writes the card from the lock's RETURNING: the select form.
    learner = make_user(synced, "learner@example.com")
    with synced.app_context():
        insert = INSERT[db.session.get_bind().dialect.name]
        question, track = db.session.execute(select(Question.id, Question.track_id).limit(1)).one()
        statement = upsert_cards(insert, select(*VALUES.values(), literal(1)).where(literal(True)))
        for at, correct in ((NOW, False), (NOW + timedelta(days=1), True)):
            previous = stored_state(*db.session.execute(
                select(ReviewCard.state, ReviewCard.step, ReviewCard.stability, ReviewCard.difficulty,
                       ReviewCard.due, ReviewCard.last_review)).one_or_none() or (None,) * 6)
            db.session.execute(statement, card_row(Answer(learner, question, track, correct, False, False,
                                                          previous), at))
        assert cards()[0][:5] == (learner, question, 2, True, False)


def test_a_finished_mock_schedules_each_answer_from_when_it_ended(synced):
    from ..measure.builders import finished_attempt

    learner = make_user(synced, "learner@example.com")
    finished_attempt(synced, learner, NOW, right=lambda item, version: version.domain == "payments")
    ended = NOW + timedelta(minutes=30)
    with synced.app_context():
        rows = db.session.execute(select(Question.domain, ReviewCard.last_review, ReviewCard.due).join(
            Question, Question.id == ReviewCard.question_id)).all()
    # Right: Good, back in 10 minutes; wrong: Again, back in 1.
    assert len(rows) == 5 and all(last == ended for _, last, _ in rows)
    assert all(due - ended == timedelta(minutes=10 if domain == "payments" else 1) for domain, _, due in rows)


def test_a_second_mock_schedules_each_repeated_question_from_the_learners_own_card(app, tmp_path):
    from ..conftest import load_into, write_bank
    from ..measure.builders import finished_attempt

    # Six questions for five seats: the second mock repeats most of the first.
    load_into(app, write_bank(tmp_path / "six", per_domain=3))
    learner, other = make_user(app, "learner@example.com"), make_user(app, "other@example.com")
    # Someone else's cards on the same questions, answered wrong: not the learner's history.
    finished_attempt(app, other, NOW - timedelta(days=1), right=lambda item, version: False)
    finished_attempt(app, learner, NOW, seed=1)
    first_end, second_end = NOW + timedelta(minutes=30), NOW + timedelta(days=3, minutes=30)
    with app.app_context():
        first = set(db.session.scalars(select(ReviewCard.question_id).where(ReviewCard.user_id == learner)))
    finished_attempt(app, learner, NOW + timedelta(days=3), seed=2)
    once = review(None, True, False, False, first_end)
    again, fresh = review(once, True, False, False, second_end), review(None, True, False, False, second_end)
    assert again.due != fresh.due  # a schedule that forgot the first answer would show
    with app.app_context():
        mine = db.session.execute(select(ReviewCard.question_id, ReviewCard.reviews, ReviewCard.due)
                                  .where(ReviewCard.user_id == learner)).all()
        theirs = db.session.scalars(select(ReviewCard.reviews).where(ReviewCard.user_id == other)).all()
    repeated = [(reviews, due) for question, reviews, due in mine if question in first and reviews == 2]
    assert len(repeated) >= 4
    assert all(due == again.due for _, due in repeated)
    assert theirs == [1] * 5


def test_an_answer_changed_to_the_right_one_in_a_mock_comes_back_sooner(synced):
    from ..measure.builders import finished_attempt

    learner = make_user(synced, "learner@example.com")
    # Every answer first wrong, then changed to the key: right, but hesitantly (Hard).
    finished_attempt(synced, learner, NOW, changes=lambda item, version: [
        [20, [k for k in item.choice_order if k not in version.answer][:len(version.answer)]],
        [50, list(version.answer)]])
    ended = NOW + timedelta(minutes=30)
    hard, good = review(None, True, False, True, ended), review(None, True, False, False, ended)
    assert hard.due < good.due
    with synced.app_context():
        assert set(db.session.scalars(select(ReviewCard.due))) == {hard.due}


def test_standing_counts_seen_right_due_and_mastered_per_domain(synced):
    from quizapp.reviews import DomainStanding, standing

    learner, other = make_user(synced, "learner@example.com"), make_user(synced, "other@example.com")
    with synced.app_context():
        questions = {domain: db.session.execute(select(Question.id, Question.track_id).where(
            Question.domain == domain).order_by(Question.id)).all() for domain in ("payments", "connect")}
        track = questions["payments"][0][1]

        def card(user, question, right, due, stability):
            return ReviewCard(user_id=user, question_id=question[0], track_id=question[1], state=2, due=due,
                              stability=stability, last_correct=right)
        db.session.add_all([
            # Due exactly now, stability exactly the mastery threshold: due and mastered.
            card(learner, questions["payments"][0], True, NOW, 21.0),
            card(learner, questions["payments"][1], False, NOW + timedelta(days=1), 20.9),
            card(learner, questions["connect"][0], True, NOW - timedelta(days=1), 30.0),
            card(other, questions["connect"][1], False, NOW, 1.0)])
        db.session.commit()
        assert standing(db.session, learner, NOW) == {track: {
            "payments": DomainStanding(seen=2, correct=1, due=1, mastered=1),
            "connect": DomainStanding(seen=1, correct=1, due=1, mastered=1)}}
        assert standing(db.session, learner, NOW, track_id=track + 1) == {}


def test_standing_keeps_two_tracks_with_a_domain_of_the_same_name_apart(app, banks_dir):
    from quizapp.reviews import DomainStanding, standing

    from ..conftest import load_into, write_bank

    write_bank(banks_dir, slug="second-architect")
    load_into(app, banks_dir)
    learner = make_user(app, "learner@example.com")
    with app.app_context():
        first, second = (db.session.execute(select(Question.id, Question.track_id).where(
            Question.domain == "payments", Question.track_id == track).order_by(Question.id).limit(2)).all()
            for track in sorted(set(db.session.scalars(select(Question.track_id)))))
        db.session.add_all([ReviewCard(user_id=learner, question_id=q, track_id=t, state=2, due=NOW,
                                       stability=1.0, last_correct=right)
                            for (q, t), right in [(first[0], True), (first[1], False), (second[0], False)]])
        db.session.commit()
        # Both tracks have a Payments domain: each track counts its own cards.
        assert standing(db.session, learner, NOW) == {
            first[0][1]: {"payments": DomainStanding(seen=2, correct=1, due=2, mastered=0)},
            second[0][1]: {"payments": DomainStanding(seen=1, correct=0, due=1, mastered=0)}}
