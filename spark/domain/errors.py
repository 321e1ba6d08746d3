"""Domain errors: the API maps each to a Mastodon-style status and `{"error": ...}` body."""


class SparkError(Exception):
    status = 400

    def __init__(self, message: str, *, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(SparkError):
    status = 404

    def __init__(self, message: str = "Record not found"):
        super().__init__(message)


class Invalid(SparkError):
    """Validation failed: Mastodon answers 422."""

    status = 422


class BadRequest(SparkError):
    status = 400


class Forbidden(SparkError):
    status = 403


class Unauthorized(SparkError):
    status = 401


class Gone(SparkError):
    status = 410


class Conflict(SparkError):
    status = 409


class RateLimited(SparkError):
    status = 429

    def __init__(self, message: str = "Too many requests", *, reset_in: int = 0):
        super().__init__(message)
        self.reset_in = reset_in


class Unavailable(SparkError):
    """The server cannot do this now or at all as configured: Mastodon answers 503."""

    status = 503
