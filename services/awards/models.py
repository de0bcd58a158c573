"""Tables owned by the awards service."""
from sqlalchemy.orm import DeclarativeBase

from common.outbox import OutboxMixin


class Base(DeclarativeBase):
    pass


class Outbox(OutboxMixin, Base):
    pass
