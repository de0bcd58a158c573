"""Stand-ins for the inputs of the rush signal (common/backpressure.py), shared by its tests and the
quiz service's."""


class Clock:
    """A monotonic clock that moves only when a test says so."""

    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


class Queue:
    """Stands in for a queue's depth (common.backpressure.QueueDepth): `waiting` requests ready."""

    def __init__(self, waiting=0):
        self.waiting = waiting

    def ready(self):
        return self.waiting
