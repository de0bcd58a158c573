"""disqualifications per contest; users.name_key (the name without diacritics) for the search

Revision ID: a7c3d1e9b2f4
Revises: 89442e027062
Create Date: 2026-12-03 14:40:00

"""
import logging
import unicodedata
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'a7c3d1e9b2f4'
down_revision: Union[str, Sequence[str], None] = '89442e027062'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _name_key(value):
    # A frozen copy of services/quiz/schemas.py name_key as it was when this migration was written.
    text = unicodedata.normalize("NFD", unicodedata.normalize("NFC", str(value or "")).strip())
    for letter in "đĐðÐ":
        text = text.replace(letter, "d")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'disqualifications',
        sa.Column('contest_code', sa.String(length=40), nullable=False),
        sa.Column('contestant_id', sa.String(length=32), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('by_id', sa.String(length=32), nullable=True),
        sa.Column('by_username', sa.String(length=64), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('reinstated_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reinstate_reason', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['contest_code'], ['contests.code']),
        sa.ForeignKeyConstraint(['contestant_id'], ['users.id']),
        sa.PrimaryKeyConstraint('contest_code', 'contestant_id'),
    )
    bind = op.get_bind()
    postgresql = bind.dialect.name == 'postgresql'
    # Byte-wise on PostgreSQL: one btree then serves the name order and LIKE 'prefix%'.
    key_type = sa.String(length=255, collation='C') if postgresql else sa.String(length=255)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', key_type, nullable=True))
    # Existing people get their key now; new ones at registration (models.py mapper events).
    users = sa.table('users', sa.column('id', sa.String), sa.column('full_name', sa.String),
                     sa.column('name_key', sa.String))
    rows = bind.execute(sa.select(users.c.id, users.c.full_name)).all()
    for start in range(0, len(rows), 1000):
        chunk = rows[start:start + 1000]
        bind.execute(users.update().where(users.c.id == sa.bindparam('uid')).values(name_key=sa.bindparam('key')),
                     [{'uid': r.id, 'key': _name_key(r.full_name)} for r in chunk])
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_kind_name_key', ['kind', 'name_key'], unique=False)
        batch_op.create_index('ix_users_unit_code', ['unit_code'], unique=False)
    if postgresql:
        # A part of a name anywhere ('van an'): a trigram index, where the pg_trgm extension can be
        # had (a trusted extension since PostgreSQL 13: the database's owner may create it). Without
        # it the search still works, scanning the name keys.
        try:
            with bind.begin_nested():
                bind.execute(sa.text('CREATE EXTENSION IF NOT EXISTS pg_trgm'))
                bind.execute(sa.text('CREATE INDEX ix_users_name_key_trgm ON users USING gin (name_key gin_trgm_ops)'))
        except sa.exc.DBAPIError as exc:
            logging.getLogger('alembic').warning('no trigram index for the name search: %s', exc.orig)


def downgrade() -> None:
    """Downgrade schema."""
    op.execute('DROP INDEX IF EXISTS ix_users_name_key_trgm')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_unit_code')
        batch_op.drop_index('ix_users_kind_name_key')
        batch_op.drop_column('name_key')
    op.drop_table('disqualifications')
