"""The one family of errors the core raises for things a person can fix."""


class DomainError(Exception):
    """An error whose message is a sentence a nurse or clinician can act on."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class InputError(DomainError):
    """Something typed into a field was rejected; the message names the field and what is accepted."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class LibraryError(DomainError):
    """The drug library file is malformed or contradicts itself."""
