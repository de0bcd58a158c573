"""rejected clips purged from the bucket

Revision ID: 56b88aafdb17
Revises: 61f9b8ee87a8
Create Date: 2026-12-03 08:00:35.213451

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '56b88aafdb17'
down_revision: Union[str, Sequence[str], None] = '61f9b8ee87a8'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('clips', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('clips', schema=None) as batch_op:
        batch_op.drop_column('purged_at')

