"""disqualifications: scoring's copy of quiz's (SPEC 6)

Revision ID: b4e2c7a9d1f3
Revises: 3e9f5e91ef6f
Create Date: 2026-12-03 14:50:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'b4e2c7a9d1f3'
down_revision: Union[str, Sequence[str], None] = '3e9f5e91ef6f'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'disqualifications',
        sa.Column('contest', sa.String(length=64), nullable=False),
        sa.Column('contestant_id', sa.String(length=64), nullable=False),
        sa.Column('disqualified', sa.Boolean(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('contest', 'contestant_id'),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('disqualifications')
