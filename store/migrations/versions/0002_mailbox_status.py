"""mailbox_status: health of fetched IMAP mailboxes (issue 8)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 21:20:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mailbox_status',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('last_ok_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailbox_status')),
    sa.UniqueConstraint('name', name=op.f('uq_mailbox_status_name'))
    )


def downgrade() -> None:
    op.drop_table('mailbox_status')
