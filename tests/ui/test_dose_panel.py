"""The dose panel as a nurse types into it: numbers and findings come from the dosing engine, live."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from infusiondesk.drugs import load_drug
from infusiondesk.units import Kind
from infusiondesk_ui.widgets.dose_panel import DosePanel
from infusiondesk_ui.widgets.quantity_edit import QuantityEdit

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def panel(qtbot: QtBot) -> DosePanel:
    p = DosePanel(load_drug(), now=lambda: NOON)
    qtbot.addWidget(p)
    p.show()
    qtbot.waitExposed(p)
    p.set_patient_context(weight_kg=None, age_years=42, given_last_24h_g=0)
    return p


def type_tab(qtbot: QtBot, text: str) -> None:
    widget = QApplication.focusWidget()
    assert widget is not None
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Tab)


def test_2_g_of_2_g_per_50_ml_over_30_min_runs_at_100_ml_per_h(qtbot: QtBot, panel: DosePanel) -> None:
    panel.dose.setFocus()
    type_tab(qtbot, "2 g")
    type_tab(qtbot, "2 g/50 mL")
    type_tab(qtbot, "30 min")
    assert panel.rate_value.text() == "100 mL/h"
    assert panel.volume_value.text() == "50 mL"
    assert panel.dose_rate_value.text() == "66.7 mg/min"
    assert panel.salt_line.text() == "2 g magnesium sulfate = 16.2 mEq = 8.1 mmol Mg"
    assert panel.end_value.text().startswith(NOON.astimezone().replace(minute=30).strftime("%H:%M"))
    assert not panel.blocked and panel.missing_reasons() == []
    assert panel.calculation is not None
    assert panel.calculation.as_dict()["rate_ml_per_h"] == pytest.approx(100)
    assert panel.entry().concentration == "2 g/50 mL" and panel.entry().product is None


def test_a_number_without_unit_is_explained_next_to_the_field(qtbot: QtBot, panel: DosePanel) -> None:
    qtbot.keyClicks(panel.dose, "2")
    assert panel.dose.error_label.isVisible()
    assert panel.dose.error_label.text() == 'Dose "2" has no unit; enter a dose such as "2 g", "2000 mg", ' \
                                            '"16 mEq" or "25 mg/kg".'
    assert panel.dose.text() == "2"  # nothing typed is reset
    qtbot.keyClicks(panel.dose, " g")
    assert not panel.dose.error_label.isVisible()


@pytest.mark.parametrize(("field", "typed", "words"), [
    ("duration", "2 g", 'Duration "2 g" is a mass; enter a time'),
    ("dose", "2,5 g", "decimal comma"),
    ("dose", ".5 g", "no leading zero"),
    ("concentration", "2 g/50 cc", 'write "mL"'),
])
def test_invalid_entries_show_the_domain_sentence(qtbot: QtBot, panel: DosePanel, field: str, typed: str,
                                                  words: str) -> None:
    edit: QuantityEdit = getattr(panel, field)
    qtbot.keyClicks(edit, typed)
    assert words in edit.error_label.text()
    assert panel.calculation is None


def test_a_dose_above_the_soft_maximum_needs_a_written_reason(qtbot: QtBot, panel: DosePanel) -> None:
    panel.dose.setText("3 g")
    panel.concentration.setText("4 g/100 mL")
    panel.duration.setText("1 h")
    assert not panel.blocked
    assert panel.missing_reasons() == ["dose.max.soft"]
    reason = panel.findings.reason_edits["dose.max.soft"]
    assert "written reason" in reason.accessibleName()
    qtbot.keyClicks(reason, "Neurology advised 3 g for refractory status migrainosus")
    assert panel.missing_reasons() == []
    assert panel.reasons()["dose.max.soft"].startswith("Neurology")


def test_a_reason_survives_retyping_another_field(qtbot: QtBot, panel: DosePanel) -> None:
    panel.dose.setText("3 g")
    panel.concentration.setText("4 g/100 mL")
    panel.duration.setText("1 h")
    qtbot.keyClicks(panel.findings.reason_edits["dose.max.soft"], "refractory")
    panel.duration.setText("")
    panel.duration.setText("2 h")
    assert panel.findings.reason_edits["dose.max.soft"].text() == "refractory"


def test_too_fast_is_blocked_with_the_reason(qtbot: QtBot, panel: DosePanel) -> None:
    panel.dose.setText("2 g")
    panel.concentration.setText("2 g/50 mL")
    panel.duration.setText("10 min")
    assert panel.blocked
    texts = [w.text() for w in panel.findings.findChildren(type(panel.salt_line))]
    assert any(t.startswith("<b>BLOCKED:</b> Dose rate 200 mg/min") for t in texts)


def test_the_product_picker_fills_the_concentration(qtbot: QtBot, panel: DosePanel) -> None:
    panel.product.setCurrentIndex(panel.product.findData("premix-2g-50ml"))
    assert panel.concentration.text() == "2 g/50 mL"
    panel.dose.setText("2 g")
    panel.rate.setText("100 mL/h")
    assert panel.duration_value.text() == "30 min"
    entry = panel.entry()  # what the service gets: the product, never also its strength typed as text
    assert entry.product == "premix-2g-50ml" and entry.concentration == ""


def test_the_undiluted_vial_is_blocked(qtbot: QtBot, panel: DosePanel) -> None:
    panel.product.setCurrentIndex(panel.product.findData("vial-50pct"))
    panel.dose.setText("2 g")
    panel.duration.setText("30 min")
    assert panel.blocked


def test_typing_a_rate_after_a_duration_erases_nothing_and_asks_which_to_clear(qtbot: QtBot,
                                                                              panel: DosePanel) -> None:
    """Duration or rate is an explicit either/or: both typed is a question in words, never a silent erase."""
    assert "not both" in panel.timing_hint.text()
    panel.dose.setFocus()
    for text in ("2 g", "2 g/50 mL", "30 min", "100 mL/h"):  # Tab from field to field, as at the chair
        type_tab(qtbot, text)
    assert panel.duration.text() == "30 min" and panel.rate.text() == "100 mL/h"  # both kept as typed
    assert panel.calculation is None and panel.rate_value.text() == "—"
    assert 'Both a duration ("30 min") and a rate ("100 mL/h") are typed' in panel.duration.error_label.text()
    assert "clear one" in panel.rate.error_label.text()
    # the nurse clears the duration: the rate runs the order, the duration is calculated
    panel.duration.setFocus()
    qtbot.keyClick(panel.duration, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(panel.duration, Qt.Key.Key_Delete)
    assert panel.duration.text() == "" and panel.duration.error_label.text() == ""
    assert panel.duration_value.text() == "30 min" and panel.rate_value.text() == "100 mL/h"
    assert panel.entry().duration == "" and panel.entry().rate == "100 mL/h"


def test_typing_a_duration_after_a_rate_keeps_the_rate_too(qtbot: QtBot, panel: DosePanel) -> None:
    panel.dose.setText("2 g")
    panel.concentration.setText("2 g/50 mL")
    qtbot.keyClicks(panel.rate, "100 mL/h")
    assert panel.calculation is not None
    qtbot.keyClicks(panel.duration, "1 h 30 min")  # the app's own duration format is accepted
    assert panel.rate.text() == "100 mL/h" and panel.calculation is None
    assert "Both a duration" in panel.duration.error_label.text()
    panel.rate.clear()
    assert panel.calculation is not None and panel.duration_value.text() == "1 h 30 min"


def test_mg_per_kg_needs_a_weight_and_says_so_at_the_weight(qtbot: QtBot, panel: DosePanel) -> None:
    panel.dose.setText("25 mg/kg")
    panel.concentration.setText("2 g/50 mL")
    panel.duration.setText("30 min")
    assert "Weight is needed" in panel.weight.error_label.text()
    panel.weight.setText("70 kg")
    assert panel.salt_line.text().startswith("1.75 g magnesium sulfate")


def test_the_draft_state_round_trips(qtbot: QtBot, panel: DosePanel) -> None:
    panel.dose.setText("3 g")
    panel.concentration.setText("4 g/100 mL")
    panel.duration.setText("1 h")
    panel.findings.reason_edits["dose.max.soft"].setText("refractory")
    other = DosePanel(load_drug(), now=lambda: NOON)
    qtbot.addWidget(other)
    other.restore(panel.state())
    assert other.reasons() == {"dose.max.soft": "refractory"}
    assert other.rate_value.text() == panel.rate_value.text() == "75 mL/h"


def test_every_field_has_an_accessible_name(panel: DosePanel) -> None:
    for w in (panel.indication, panel.product, *panel.fields):
        assert w.accessibleName()
    assert QuantityEdit(Kind.DOSE, "dose").accessibleName() == "Dose"
