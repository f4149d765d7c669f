"""staff in the loop: when a case became ready, the last staff answer, set-aside index, search

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 03:10:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

from store.search import install


revision = '0005'
down_revision = '0005_filing_failures'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ready_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('last_staff_reply_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('last_staff_reply_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    with op.batch_alter_table('raw_mail', schema=None) as batch_op:
        batch_op.create_index('ix_raw_mail_error', ['id'], unique=False,
                              sqlite_where=sa.text('error IS NOT NULL'),
                              postgresql_where=sa.text('error IS NOT NULL'))
    # Cases already ready count as ready since their customer's last message (docs/staff.md:
    # only the last 7 days of such events are notified, so an upgrade does not flood the team).
    op.execute("UPDATE ticket SET ready_at = last_customer_at WHERE status = 'ready'")
    install(op.get_bind())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in ("ticket_fts_insert", "ticket_fts_update", "ticket_fts_delete", "message_fts_insert",
                     "message_fts_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS ticket_fts")
        op.execute("DROP TABLE IF EXISTS message_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_message_search")
        op.execute("DROP INDEX IF EXISTS ix_ticket_search")
        op.execute("ALTER TABLE message DROP COLUMN IF EXISTS search")
        op.execute("ALTER TABLE ticket DROP COLUMN IF EXISTS search")
    with op.batch_alter_table('raw_mail', schema=None) as batch_op:
        batch_op.drop_index('ix_raw_mail_error', sqlite_where=sa.text('error IS NOT NULL'),
                            postgresql_where=sa.text('error IS NOT NULL'))
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('last_staff_reply_by')
        batch_op.drop_column('last_staff_reply_at')
        batch_op.drop_column('ready_at')
