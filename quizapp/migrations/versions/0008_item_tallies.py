"""Item tallies: each question version's responses and right answers in finished mock exams.

The pass forecast read them by counting every finished attempt's questions on
each page; the scoring now keeps them. Filled here from the attempts already
finished, so every forecast reads the same figures as before.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 11:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('item_tallies',
    sa.Column('question_version_id', sa.Integer(), nullable=False),
    sa.Column('responses', sa.Integer(), nullable=False),
    sa.Column('correct', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['question_version_id'], ['question_versions.id'],
                            name=op.f('fk_item_tallies_question_version_id_question_versions')),
    sa.PrimaryKeyConstraint('question_version_id', name=op.f('pk_item_tallies'))
    )
    op.execute(
        "INSERT INTO item_tallies (question_version_id, responses, correct) "
        "SELECT aq.question_version_id, COUNT(*), SUM(CASE WHEN aq.is_correct THEN 1 ELSE 0 END) "
        "FROM attempt_questions aq JOIN attempts a ON a.id = aq.attempt_id "
        "WHERE a.status != 'in_progress' GROUP BY aq.question_version_id")


def downgrade():
    op.drop_table('item_tallies')
