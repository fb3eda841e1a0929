"""An in-memory stand-in for the store, for widget tests that are about the screen, not the database."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from infusiondesk.errors import DomainError
from infusiondesk.records.models import Patient, User, Visit


class MemoryStore:
    def __init__(self, users: dict[str, tuple[User, str]] | None = None) -> None:
        self.users = users or {}
        self.visits: dict[int, Visit] = {}
        self.patients: dict[int, Patient] = {}
        self.drafts: dict[tuple[int, str], dict[str, Any]] = {}
        self.audits: list[tuple[str, int | None, dict[str, Any]]] = []

    def authenticate(self, username: str, password: str) -> User:
        user, pw = self.users.get(username, (None, None))
        if user is None or pw != password:
            raise DomainError("Wrong username or password; try again.")
        return user

    def save_visit(self, visit: Visit, by: User) -> Visit:
        if visit.id is None:
            visit = dataclasses.replace(visit, id=len(self.visits) + 1)
        saved = dataclasses.replace(visit, version=visit.version + 1)
        self.visits[saved.id or 0] = saved
        return saved

    def list_visits(self, patient_id: int) -> list[Visit]:
        return [v for v in self.visits.values() if v.patient_id == patient_id]

    def magnesium_given_last_24h(self, patient_id: int, at: datetime) -> float:
        return 0.0

    def audit(self, event: str, by: User | None, detail: dict[str, Any]) -> None:
        self.audits.append((event, by.id if by else None, detail))

    def save_draft(self, user_id: int, key: str, payload: dict[str, Any]) -> None:
        self.drafts[(user_id, key)] = payload

    def load_draft(self, user_id: int, key: str) -> dict[str, Any] | None:
        return self.drafts.get((user_id, key))

    def load_pki_objects(self, kind: str, owner_user_id: int | None = None) -> list[tuple[str, bytes]]:
        return []

    def discard_draft(self, user_id: int, key: str) -> None:
        self.drafts.pop((user_id, key), None)
