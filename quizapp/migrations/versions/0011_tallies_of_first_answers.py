"""Item tallies count each learner's first answer to a question only.

A tally (a version's responses and right answers: the forecast's item
difficulty once 30 have answered) counted every answered question of every
finished mock. A few accounts sitting mock after mock, answering wrong, made
every item look impossible, and every learner's forecast fell with it. From
now on a mock answer counts only when the learner had not answered that
question before (no review card yet: no earlier finished mock answering it,
no practice check of it before the mock finished). Rebuilt here by that rule.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 23:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_ANSWERED = "a.status != 'in_progress' AND json_array_length(aq.selected) > 0"
_FIRST = (
    " AND NOT EXISTS (SELECT 1 FROM attempt_questions aq2"
    " JOIN attempts a2 ON a2.id = aq2.attempt_id"
    " JOIN question_versions v2 ON v2.id = aq2.question_version_id"
    " WHERE a2.user_id = a.user_id AND v2.question_id = v.question_id AND a2.status != 'in_progress'"
    " AND json_array_length(aq2.selected) > 0"
    " AND (a2.finished_at < a.finished_at OR (a2.finished_at = a.finished_at AND a2.id < a.id)))"
    " AND NOT EXISTS (SELECT 1 FROM practice_items p"
    " JOIN practice_sessions s ON s.id = p.session_id"
    " JOIN question_versions v3 ON v3.id = p.question_version_id"
    " WHERE s.user_id = a.user_id AND v3.question_id = v.question_id"
    " AND p.checked_at IS NOT NULL AND p.checked_at < a.finished_at)")


def _rebuild(first_only: bool):
    op.execute("DELETE FROM item_tallies")
    op.execute(
        "INSERT INTO item_tallies (question_version_id, responses, correct) "
        "SELECT aq.question_version_id, COUNT(*), SUM(CASE WHEN aq.is_correct THEN 1 ELSE 0 END) "
        "FROM attempt_questions aq JOIN attempts a ON a.id = aq.attempt_id "
        "JOIN question_versions v ON v.id = aq.question_version_id "
        f"WHERE {_ANSWERED}" + (_FIRST if first_only else "")
        + " GROUP BY aq.question_version_id")


def upgrade():
    _rebuild(first_only=True)


def downgrade():
    _rebuild(first_only=False)
