"""Errors the store raises; each message tells the nurse what happened and what to do."""

from infusiondesk.errors import DomainError


class ConflictError(DomainError):
    """Someone else saved this record after it was opened here; nothing was saved."""


class RecordNotFound(DomainError):
    """The record asked for does not exist (or no longer exists)."""
