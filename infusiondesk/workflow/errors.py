"""The one error the visit workflow raises: a step that is not allowed now, with what to do instead."""

from infusiondesk.errors import DomainError


class WorkflowError(DomainError):
    """A workflow step was refused; the message says why in a sentence a nurse or clinician can act on."""
