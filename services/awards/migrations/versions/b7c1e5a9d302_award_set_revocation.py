"""award sets: revocation (revoked_at, revoked_by, revoke_reason); one live set per result

Revision ID: b7c1e5a9d302
Revises: 72a84f424116
Create Date: 2026-12-03 14:40:00.000000

A revoked set stays on record beside the new draft of the same result, so the unique constraint on
(contest, kind, round_key) becomes a unique index over the rows that are not revoked.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'b7c1e5a9d302'
down_revision: Union[str, Sequence[str], None] = '72a84f424116'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

LIVE = sa.text("status != 'revoked'")


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('award_sets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('revoked_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('revoke_reason', sa.Text(), nullable=True))
        batch_op.drop_constraint('uq_award_sets_contest_kind_round', type_='unique')
    op.create_index('uq_award_sets_live_contest_kind_round', 'award_sets', ['contest', 'kind', 'round_key'],
                    unique=True, sqlite_where=LIVE, postgresql_where=LIVE)


def downgrade() -> None:
    """Downgrade schema (revoked sets are dropped: the old constraint allows one set per result)."""
    op.execute("DELETE FROM award_sets WHERE status = 'revoked'")
    op.drop_index('uq_award_sets_live_contest_kind_round', table_name='award_sets')
    with op.batch_alter_table('award_sets', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_award_sets_contest_kind_round', ['contest', 'kind', 'round_key'])
        batch_op.drop_column('revoke_reason')
        batch_op.drop_column('revoked_by')
        batch_op.drop_column('revoked_at')
