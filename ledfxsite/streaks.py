"""Loops that must survive failures: log once per failure streak, not once per iteration."""


class FailureStreak:
    def __init__(self, logger, what):
        self.logger = logger
        self.what = what
        self.failures = 0

    def failed(self, exc):
        self.failures += 1
        if self.failures == 1:
            self.logger.error("%s failed: %s: %s", self.what, type(exc).__name__, exc)

    def succeeded(self):
        if self.failures:
            self.logger.warning("%s recovered after %d failures", self.what, self.failures)
            self.failures = 0

    @property
    def backoff(self):
        """Seconds to wait before retrying: 0.1, 0.2, 0.4 ... capped at 5."""
        return min(5.0, 0.05 * 2**self.failures)
