"""What a call to a service raises, whether it went alone (gateway/rpc.py) or in a batch
(gateway/batching.py); gateway/errors.py turns both into HTTP answers."""


class ServiceUnavailable(Exception):
    """The service could not be reached: broker down, no such service, timeout."""

    def __init__(self, service, reason):
        super().__init__(service, reason)
        self.service = service
        self.reason = reason  # "broker_unreachable" | "no_route" | "timeout" | "connection_lost" | "rejected"


class RemoteError(Exception):
    """The service ran the call and raised; `exc_type` is the class name (see gateway/errors.py)."""

    def __init__(self, service, method, error):
        self.service = service
        self.method = method
        self.error = error  # as it came over the wire: {"exc_type", "exc_path", "exc_args", "value"}
        self.exc_type = error.get("exc_type")
        self.exc_path = error.get("exc_path")
        self.exc_args = error.get("exc_args") or []
        self.value = error.get("value")
        super().__init__(f"{service}.{method}: {self.exc_type}: {self.value}")
