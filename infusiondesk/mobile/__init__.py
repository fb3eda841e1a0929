"""Mobile visits: a nurse takes the day's patients out on a laptop, charts offline, and syncs back.

`laptop` opens the encrypted laptop database; `day` checks patients out, syncs, lists and resolves conflicts,
revokes a lost laptop; `credentials` issues each laptop its own signing keys and revokes them with it; `segment`
joins the laptop's audit entries to the clinic's chain and verifies them. The row-level work is in
`infusiondesk.store.sync_copy`, `infusiondesk.store.sync_exchange` and `infusiondesk.store.laptop_keys`.
"""

from __future__ import annotations

from infusiondesk.errors import DomainError


class MobileError(DomainError):
    """A checkout or sync that cannot go ahead, with a sentence saying why and what to do."""
