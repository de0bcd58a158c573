"""judging started: when a contest's first clip was scored (a jury change then needs confirmation)

Revision ID: 27293b3e637a
Revises: 8c67422f107f
Create Date: 2026-12-03 07:41:48.108973

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '27293b3e637a'
down_revision: Union[str, Sequence[str], None] = '8c67422f107f'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('judging_started_at', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.drop_column('judging_started_at')

