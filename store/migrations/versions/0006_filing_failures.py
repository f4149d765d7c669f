"""raw_mail: failed filing attempts and when a mail was set aside; ticket: why a case is held

Revision ID: 0005_filing_failures
Revises: 0004
Create Date: 2026-11-30 03:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005_filing_failures'
down_revision = '0012a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('raw_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('set_aside_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_raw_mail_set_aside', ['set_aside_at'], unique=False)
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('held_reason')
    with op.batch_alter_table('raw_mail', schema=None) as batch_op:
        batch_op.drop_index('ix_raw_mail_set_aside')
        batch_op.drop_column('set_aside_at')
        batch_op.drop_column('attempts')
