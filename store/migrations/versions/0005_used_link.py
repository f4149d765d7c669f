"""used_link: sign-in links are single-use (issue 12)

Revision ID: 0012a
Revises: 0004
Create Date: 2026-11-30 03:10:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0012a'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('used_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.Text(), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_used_link')),
    sa.UniqueConstraint('nonce', name=op.f('uq_used_link_nonce'))
    )
    with op.batch_alter_table('used_link', schema=None) as batch_op:
        batch_op.create_index('ix_used_link_used_at', ['used_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('used_link', schema=None) as batch_op:
        batch_op.drop_index('ix_used_link_used_at')
    op.drop_table('used_link')
