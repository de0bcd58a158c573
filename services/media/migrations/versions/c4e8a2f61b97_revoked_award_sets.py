"""revoked award sets: a revoked video set unlocks the scores, and its late approval event does not lock again

Revision ID: c4e8a2f61b97
Revises: 2d6c0d5e05c5
Create Date: 2026-12-03 14:50:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'c4e8a2f61b97'
down_revision: Union[str, Sequence[str], None] = '2d6c0d5e05c5'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('revoked_award_sets',
    sa.Column('award_set_id', sa.String(length=64), nullable=False),
    sa.Column('contest', sa.String(length=64), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('award_set_id')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('revoked_award_sets')
