"""Tables owned by the media service."""
from sqlalchemy.orm import DeclarativeBase

from common.outbox import OutboxMixin


class Base(DeclarativeBase):
    pass


class Outbox(OutboxMixin, Base):
    pass
