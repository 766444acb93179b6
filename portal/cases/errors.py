"""The domain error of the cases feature."""


class CaseError(ValueError):
    """An operation the case's state or the actor's role does not allow."""
