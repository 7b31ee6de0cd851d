"""Why a service refused a change (each carries its pt-BR message)."""


class ActionNotAllowed(Exception):
    """The change is not allowed (the client's status, a stale form, too little credit…);
    nothing was changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
