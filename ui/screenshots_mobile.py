"""The mobile day's screens for `make screenshots` (infusiondesk_ui.screenshots calls `shoot`): the checkout dialog,
the clinic's patient list with the patients out, the laptop copy's password dialog, its window with the marker,
the Sync report with a conflict, and the conflicts screen."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication, QWidget

NURSE, NURSE_PASSWORD = "nkim", "nurse-chair-pass-1"


def _wait(app: QApplication) -> None:
    """Until every StoreOp has reported (the screenshot script runs no event loop of its own)."""
    from infusiondesk_ui import operations

    while operations.pending():
        app.processEvents()
    for _ in range(3):
        app.processEvents()


def shoot(app: QApplication, window: Any, store: Any, drug: Any, clock: Any,
          shot: Callable[[str, QWidget | None], None], size: tuple[int, int]) -> None:
    from infusiondesk_ui.app import MainWindow
    from infusiondesk_ui.laptop_open import LaptopPasswordDialog
    from infusiondesk_ui.session import Session
    from infusiondesk_ui.views.mobile_checkout import CheckoutDialog
    from infusiondesk_ui.views.mobile_sync import SyncDialog

    folder = Path(tempfile.mkdtemp(prefix="infusiondesk-laptop-"))
    laptop_file = folder / "nkim-2026-03-02.db"
    window.sign_in(NURSE, NURSE_PASSWORD)
    _wait(app)  # the password is checked off the UI thread
    window.mobile.act_checkout.trigger()
    dialog = window.mobile.dialog
    assert isinstance(dialog, CheckoutDialog)
    for typed in ("rivera", "okafor"):
        dialog.search.setText(typed)
        dialog.run_search(then=lambda: dialog.add(0))
        _wait(app)
    dialog.file.setText(str(laptop_file))
    dialog.also.setText("drlee")
    dialog.password.setText(NURSE_PASSWORD)
    shot("21-mobile-checkout", dialog)
    dialog.start()
    _wait(app)
    shot("21b-mobile-checked-out", dialog)
    dialog.close()
    window.sign_out()

    ask = LaptopPasswordDialog(laptop_file)
    ask.show()
    ask.password.setText("not her password, typed wrong")
    ask.try_open()
    _wait(app)
    ask.password.setText("••••")  # only dots are drawn; the message is the point
    shot("23-laptop-password", ask)
    ask.password.setText(NURSE_PASSWORD)
    ask.try_open()
    _wait(app)
    ask.close()
    from infusiondesk.store import Store

    laptop_store = Store.open(ask.url or "", clock=clock.now, create=False)
    away = MainWindow(Session(store=laptop_store, drug=drug, clock=clock))
    away.mobile.laptop_path = laptop_file
    away.resize(*size)
    away.show()
    _wait(app)
    away.sign_in("drlee", "doctor-sign-pass-1")
    _wait(app)  # the password is checked off the UI thread
    by = away.session.require_session()
    ana = laptop_store.patients.search("Rivera", by=by)[0]
    away.show_chart(ana)
    away.new_visit()
    _wait(app)
    away.show_chart(ana)
    _wait(app)
    shot("24-laptop-marker", away)
    away.sign_out()
    away.sign_in(NURSE, NURSE_PASSWORD)
    _wait(app)  # the password is checked off the UI thread
    nurse = away.session.require_session()
    laptop_store.patients.update(replace(ana, weight_kg=66), by=nurse, based_on=ana)  # as found above: unchanged since
    clinic_nurse = store.users.sign_in(NURSE, NURSE_PASSWORD)
    in_clinic = store.patients.search("Rivera", by=clinic_nurse)[0]
    store.patients.update(replace(in_clinic, weight_kg=65), by=clinic_nurse, based_on=in_clinic)
    store.users.sign_out(clinic_nurse)
    sync = SyncDialog(away.session, laptop_file, away, clinic_db=store.url)
    sync.show()
    sync.password.setText(NURSE_PASSWORD)
    sync.start()
    _wait(app)
    shot("25-mobile-sync-report", sync)
    sync.show_conflicts()
    _wait(app)
    view = sync.conflicts_view
    if view is not None:
        shot("26-mobile-conflicts", view.window())
    sync.close()
    _wait(app)
    away.sign_out()
    _wait(app)
    away.close()
    laptop_store.close()
