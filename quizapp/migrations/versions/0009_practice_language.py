"""Practice sessions in a language: the questions of a Japanese learner's practice in Japanese.

Every session so far was shown in English, so they keep "en".

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 19:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('practice_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=10), server_default='en', nullable=False))


def downgrade():
    with op.batch_alter_table('practice_sessions', schema=None) as batch_op:
        batch_op.drop_column('language')
