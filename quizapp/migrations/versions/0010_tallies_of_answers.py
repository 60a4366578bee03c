"""Item tallies count answers only: a question left blank in a mock is no response.

The tallies (each version's responses and right answers, the forecast's item
difficulty) counted every question of a finished mock, blank ones as wrong,
so an exam left after one question made the other 46 look harder. Rebuilt
here from the finished attempts' answered questions, as the scoring now keeps them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 20:05:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _rebuild(answered_only: bool):
    op.execute("DELETE FROM item_tallies")
    op.execute(
        "INSERT INTO item_tallies (question_version_id, responses, correct) "
        "SELECT aq.question_version_id, COUNT(*), SUM(CASE WHEN aq.is_correct THEN 1 ELSE 0 END) "
        "FROM attempt_questions aq JOIN attempts a ON a.id = aq.attempt_id "
        "WHERE a.status != 'in_progress'"
        + (" AND json_array_length(aq.selected) > 0" if answered_only else "")
        + " GROUP BY aq.question_version_id")


def upgrade():
    _rebuild(answered_only=True)


def downgrade():
    _rebuild(answered_only=False)
