"""score locks: a contest's clip scores are final once its video award set is approved (SPEC 5)

Revision ID: 61f9b8ee87a8
Revises: 9ebdae9cb406
Create Date: 2026-12-03 07:39:21.950379

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '61f9b8ee87a8'
down_revision: Union[str, Sequence[str], None] = '9ebdae9cb406'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('score_locks',
    sa.Column('contest', sa.String(length=64), nullable=False),
    sa.Column('award_set_id', sa.String(length=64), nullable=False),
    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('contest')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('score_locks')
