"""How the screens read at the chair (issue 12): hints look like hints, success is not red, messages do not
outlive their screen, nothing is clipped or crushed at 1280×800, the plot and the banner read right."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from infusiondesk.records.models import Role
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.history import Reading, VisitSummary
from infusiondesk.units import Kind
from infusiondesk_ui import style
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.views import trends
from infusiondesk_ui.views.pdf_preview import PdfPreview, fitted_size
from infusiondesk_ui.views.visit_workspace import VisitWorkspace
from infusiondesk_ui.widgets.banner import STACKED, IdentityBanner
from infusiondesk_ui.widgets.messages import MessageKind
from infusiondesk_ui.widgets.number_edit import NumberEdit
from infusiondesk_ui.widgets.quantity_edit import EnterMovesOnLineEdit, QuantityEdit
from tests.ui.conftest import CLINIC_START, Clinic_
from tests.ui.steps import CA_PASSPHRASE, assess_and_approve, finish, give_signing_certificates, order, settle, sign_in

LONG_MESSAGE = ("Dose rate 200 mg/min is above the hard maximum of 150 mg/min (migraine, adult); the order cannot "
                "be given at this rate. Lengthen the duration or lower the dose.")


def text_colour(widget: QLineEdit | object) -> QColor:
    from PySide6.QtWidgets import QWidget

    assert isinstance(widget, QWidget)
    return widget.palette().color(widget.foregroundRole())


# --- hints and values ------------------------------------------------------------------------------------

def test_a_placeholder_reads_as_an_example_and_in_italics_until_something_is_typed(qtbot: QtBot,
                                                                                    window: MainWindow) -> None:
    systolic = NumberEdit("Systolic", "mmHg", "120")
    dose = QuantityEdit(Kind.DOSE, "dose", placeholder='"2 g"')
    qtbot.addWidget(systolic)
    qtbot.addWidget(dose)
    assert systolic.placeholderText() == "e.g. 120"
    assert dose.placeholderText() == 'e.g. "2 g"'
    assert systolic.property("hint") is True
    qtbot.keyClicks(systolic, "124")
    assert systolic.property("hint") is False  # what is typed is upright
    systolic.clear()
    assert systolic.property("hint") is True


def test_a_read_only_or_disabled_value_stays_in_the_text_colour_not_the_hint_colour(qtbot: QtBot,
                                                                                   window: MainWindow) -> None:
    site = EnterMovesOnLineEdit()
    site.setPlaceholderText("left antecubital")
    on_record = EnterMovesOnLineEdit()
    on_record.setText("left antecubital")
    on_record.setReadOnly(True)
    disabled = EnterMovesOnLineEdit()
    disabled.setText("22 G")
    for w in (site, on_record, disabled):
        qtbot.addWidget(w)
        w.show()
    disabled.setEnabled(False)
    QApplication.processEvents()
    hint = site.palette().color(QPalette.ColorRole.PlaceholderText)
    value = on_record.palette().color(QPalette.ColorRole.Text)
    greyed = disabled.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    assert hint != value and abs(hint.lightness() - value.lightness()) > 60
    assert greyed == QApplication.palette().color(QPalette.ColorGroup.Active, QPalette.ColorRole.Text)
    assert on_record.property("hint") is False and site.property("hint") is True


def test_fields_are_wide_enough_for_what_is_typed_in_them(qtbot: QtBot, window: MainWindow) -> None:
    window.resize(1280, 800)
    sign_in(window, "admin", "ward-office-key-1")
    QApplication.processEvents()
    for field in (window.users.username, window.users.full_name, window.users.credentials,
                  window.users.password):
        assert field.width() >= 140, (field.accessibleName(), field.width())
    dose = QuantityEdit(Kind.DURATION, "duration", placeholder='"30 min"')
    qtbot.addWidget(dose)
    assert dose.minimumWidth() >= dose.fontMetrics().horizontalAdvance("e.g. 1 h 30 min")
    pain = NumberEdit("Pain", "0-10", "5")
    qtbot.addWidget(pain)
    assert pain.minimumWidth() >= pain.fontMetrics().horizontalAdvance("e.g. 36.8") + 10


# --- messages --------------------------------------------------------------------------------------------

def test_a_success_message_is_not_styled_as_an_error(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    give_signing_certificates(clinic)
    sign_in(window, "admin", "ward-office-key-1")
    u = window.users
    for edit, text in ((u.username, "rnpark"), (u.full_name, "Jin Park"), (u.password, "park-charts-at-the-chair"),
                       (u.ca_passphrase, CA_PASSPHRASE)):
        qtbot.keyClicks(edit, text)
    u.role.set_value(Role.NURSE.value)
    u.add.click()
    settle(qtbot)
    assert u.message.text().startswith("Added Jin Park"), u.message.text()
    assert u.message.kind is MessageKind.SUCCESS
    success = text_colour(u.message)
    u.add.click()  # the same user name again: refused
    settle(qtbot)
    assert u.message.kind is MessageKind.ERROR, u.message.text()
    error = text_colour(u.message)
    assert success != error
    assert error.red() > error.green() and success.green() > success.red()  # red for refusal, green for done
    assert u.message.accessibleName().startswith("Problem:")


@pytest.mark.parametrize("dark", [False, True])
def test_each_kind_of_message_has_its_own_colour_in_light_and_dark(qtbot: QtBot, window: MainWindow,
                                                                   dark: bool) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    light = QPalette(app.palette())
    if dark:
        app.setPalette(style.dark_palette())
    try:
        qtbot.waitUntil(lambda: style.is_dark(app) == dark)
        sign_in(window, "admin", "ward-office-key-1")
        label = window.users.message
        colours = {}
        for kind in MessageKind:
            label.say(f"{kind.value} message", kind)
            QApplication.processEvents()
            colours[kind] = text_colour(label)
        assert len(set(c.name() for c in colours.values())) == 4
        background = window.users.palette().color(QPalette.ColorRole.Window)
        for colour in colours.values():  # readable on the window's background
            assert abs(colour.lightness() - background.lightness()) > 70, (colour.name(), background.name())
    finally:
        app.setPalette(light)


def test_a_screens_message_is_cleared_when_another_screen_opens(qtbot: QtBot, window: MainWindow,
                                                               clinic: Clinic_) -> None:
    sign_in(window, "admin", "ward-office-key-1")
    window.users.add.click()  # nothing typed: refused, with a message on the users screen
    settle(qtbot)
    assert window.users.message.isVisibleTo(window.users) and window.users.message.text()
    window.show_settings()
    finish()  # the settings are read off the UI thread
    window.show_users()
    assert window.users.message.text() == "" and not window.users.message.isVisibleTo(window.users)
    window.sign_out()

    sign_in(window, "drlee", "doctor-sign-pass-1")
    window.show_chart(clinic.patient)
    finish()
    window.new_visit()
    finish()
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace)
    assess_and_approve(ws)
    order(ws, dose="3 g", conc="4 g/100 mL", duration="1 h")  # above the soft maximum, no reason written
    assert "Write a reason for each warning" in ws.problem.text()
    window.show_chart(clinic.patient)
    finish()
    window.open_visit(ws.visit)
    finish()
    assert ws.problem.text() == "", "a refusal from before stayed on the visit"


def test_a_field_error_is_not_cleared_by_navigating(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    """Only a screen's own message goes: a field's error says what is typed there, which is still there."""
    sign_in(window, "drlee", "doctor-sign-pass-1")
    window.show_chart(clinic.patient)
    finish()
    window.new_visit()
    finish()
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace)
    ws.dose.panel.dose.setText("2 bananas")
    message = ws.dose.panel.dose.error_label.text()
    assert message
    window.show_chart(clinic.patient)
    finish()
    window.open_visit(ws.visit)
    finish()
    assert ws.dose.panel.dose.error_label.text() == message


# --- sign-in and lock ------------------------------------------------------------------------------------

def test_the_lockout_message_is_shown_whole_and_the_fields_keep_their_height(qtbot: QtBot,
                                                                             window: MainWindow) -> None:
    window.resize(1280, 800)
    normal = window.signin.username.height()
    for _ in range(10):
        sign_in(window, "nkim", "not-the-password-at-all")
        if "locked" in window.signin.error.text().lower():
            break
    assert "locked" in window.signin.error.text().lower(), window.signin.error.text()
    QApplication.processEvents()
    error = window.signin.error
    assert error.height() >= error.heightForWidth(error.width())  # every line of the sentence
    assert error.fontMetrics().boundingRect(QRect(0, 0, error.width(), 10_000), Qt.TextFlag.TextWordWrap,
                                            error.text()).height() <= error.height()
    assert window.signin.username.height() >= normal
    assert window.signin.username.height() >= window.signin.username.minimumSizeHint().height()


# --- near-miss report ------------------------------------------------------------------------------------

def test_the_near_miss_report_columns_are_readable_at_1280x800(qtbot: QtBot, window: MainWindow,
                                                               clinic: Clinic_) -> None:
    clinic.store.audit.append(AuditEvent.HARD_STOP, clinic.reader, {"code": "dose.rate.hard", "message": LONG_MESSAGE,
                                                       "visit_id": 1, "patient_id": clinic.patient.id})
    clinic.store.audit.append(AuditEvent.OVERRIDE, clinic.reader, {"code": "dose.max.soft", "message": LONG_MESSAGE,
                                                      "reason": "Refractory attack; neurology advised 3 g",
                                                      "visit_id": 1, "patient_id": clinic.patient.id})
    window.resize(1280, 800)
    sign_in(window, "drlee", "doctor-sign-pass-1")
    window.show_report()
    finish()
    QApplication.processEvents()
    table = window.report.table
    assert table.rowCount() == 2
    header = table.horizontalHeader()
    for column in range(table.columnCount()):
        title = table.horizontalHeaderItem(column).text()
        assert table.columnWidth(column) > header.fontMetrics().horizontalAdvance(title), title
    date_text = table.item(0, 0).text()
    assert table.columnWidth(0) >= table.fontMetrics().horizontalAdvance(date_text)  # the date whole
    assert table.columnWidth(5) >= 300  # the message has room, and wraps
    assert table.rowHeight(0) > table.fontMetrics().height() * 1.5
    assert sum(table.columnWidth(c) for c in range(6)) <= table.viewport().width() + 1  # no sideways scrolling


# --- the chart's vital-signs plot ------------------------------------------------------------------------

def _summary(visit_id: int, days: int, systolic: tuple[int, ...]) -> VisitSummary:
    from infusiondesk.records.models import VisitStatus

    start = CLINIC_START - timedelta(days=days)
    readings = tuple(Reading((start + timedelta(minutes=20 * i)).timestamp(), s, 70 + i, 16)
                     for i, s in enumerate(systolic))
    return VisitSummary(visit_id, 1, VisitStatus.COMPLETED, start, start, 3, readings=readings)


def test_the_plot_draws_each_visit_as_its_own_lines_with_markers_and_round_ticks(qtbot: QtBot) -> None:
    from PySide6.QtCharts import QChartView, QLineSeries, QValueAxis

    visits = [_summary(1, 56, (126, 118, 120)), _summary(2, 28, (130, 112)), _summary(3, 0, (138,))]
    view = trends.vitals_trend(visits)
    qtbot.addWidget(view)
    view.resize(800, 400)
    view.show()
    assert isinstance(view, QChartView)
    series = [s for s in view.chart().series() if isinstance(s, QLineSeries)]
    systolic = [s for s in series if s.name().startswith("Systolic")]
    assert [s.property("visit_id") for s in systolic] == [1, 2, 3]  # one line per visit, none joining visits
    assert [s.count() for s in systolic] == [3, 2, 1]
    assert all(s.pointsVisible() for s in series)
    for band, s in enumerate(systolic):  # each visit in its own band of the x axis
        assert all(band <= p.x() < band + 1 for p in s.points())
    visible = [m for m in view.chart().legend().markers() if m.isVisible()]
    assert len(visible) == 3  # one legend entry per vital sign
    y = next(a for a in view.chart().axes(Qt.Orientation.Vertical) if isinstance(a, QValueAxis))
    ticks = [y.min() + i * (y.max() - y.min()) / (y.tickCount() - 1) for i in range(y.tickCount())]
    assert ticks == [0, 50, 100, 150]
    assert y.max() >= 138


@pytest.mark.parametrize(("top", "expected"), [(138.6, (150, 50)), (126, (150, 50)), (74, (80, 20)),
                                               (16, (20, 5)), (10, (10, 2)), (9, (10, 2)), (1000, (1000, 200))])
def test_axis_ticks_are_round_numbers(top: float, expected: tuple[float, float]) -> None:
    upper, step = trends.nice_scale(top)
    assert (upper, step) == expected
    assert upper >= top
    assert all(float(step * i).is_integer() for i in range(6)) or step == 2.5


# --- the banner ------------------------------------------------------------------------------------------

def test_the_banner_keeps_both_marks_of_a_vietnamese_letter(qtbot: QtBot, clinic: Clinic_) -> None:
    from dataclasses import replace

    banner = IdentityBanner()
    qtbot.addWidget(banner)
    banner.show_patient(replace(clinic.patient, family_name="Nguyễn", given_name="Thị Ễ"), CLINIC_START.date())
    banner.show()
    QApplication.processEvents()
    label = banner.identity
    metrics = label.fontMetrics()
    above_ascent = -metrics.tightBoundingRect(STACKED).top() - metrics.ascent()
    # the top of Ễ's tilde lies inside the label, and the label is drawn plainly (a selectable label clips it)
    text_top = label.contentsRect().top() + (label.contentsRect().height() - metrics.height()) // 2
    assert text_top >= above_ascent
    assert label.textInteractionFlags() == Qt.TextInteractionFlag.NoTextInteraction
    assert "NGUYỄN" in label.text()


# --- the PDF preview -------------------------------------------------------------------------------------

def _pdf() -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.drawString(72, 720, "visit note")
    c.showPage()
    c.save()
    return out.getvalue()


@pytest.mark.parametrize("keys", ["Escape", "Ctrl+W"])
def test_the_preview_closes_from_the_keyboard(qtbot: QtBot, keys: str) -> None:
    preview = PdfPreview(_pdf(), "InfusionDesk — visit note (draft)")
    qtbot.addWidget(preview)
    preview.show()
    qtbot.waitExposed(preview)
    preview.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is preview)
    preview.view.setFocus()
    if keys == "Escape":
        qtbot.keyClick(preview.view, Qt.Key.Key_Escape)
    else:
        qtbot.keyClick(preview.view, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not preview.isVisible(), timeout=2000)


def test_the_preview_fits_the_screen() -> None:
    small = fitted_size(QRect(0, 0, 1280, 770))  # a 1280×800 laptop less its panel
    assert small.height() <= 770 - 40 and small.width() <= 1280
    large = fitted_size(QRect(0, 0, 1920, 1050))
    assert (large.width(), large.height()) == (900, 1000)


def test_the_preview_window_is_not_taller_than_the_screen(qtbot: QtBot) -> None:
    preview = PdfPreview(_pdf(), "InfusionDesk — visit note (draft)")
    qtbot.addWidget(preview)
    screen = preview.screen()
    assert screen is not None
    assert preview.height() <= screen.availableGeometry().height()


def test_in_the_dark_palette_the_plots_are_dark_and_pain_reads_in_whole_numbers(qtbot: QtBot) -> None:
    from PySide6.QtCharts import QChart, QValueAxis

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    light = QPalette(app.palette())
    app.setPalette(style.dark_palette())
    try:
        view = trends.vitals_trend([_summary(1, 28, (126, 118))])
        pain = trends.pain_before_after([])
        for w in (view, pain):
            qtbot.addWidget(w)
        assert view.chart().theme() is QChart.ChartTheme.ChartThemeDark
        line = view.chart().series()[0]
        assert line.pen().color().lightness() > 128  # a light line on the dark plot
    finally:
        app.setPalette(light)
    y = next(a for a in pain.chart().axes(Qt.Orientation.Vertical) if isinstance(a, QValueAxis))
    assert y.labelFormat() == "%d"


def test_the_infusion_tab_with_an_open_alert_fits_a_1280_by_800_screen(qtbot: QtBot, window: MainWindow,
                                                                        clinic: Clinic_) -> None:
    """Its right column scrolls, so the window never grows past the screen when an alert is shown."""
    sign_in(window, "drlee", "doctor-sign-pass-1")
    window.show_chart(clinic.patient)
    finish()
    window.new_visit()
    finish()
    ws = window.stack.currentWidget()
    ws.tabs.setCurrentWidget(ws.infusion)
    ws.infusion.alerts.setVisible(True)
    assert ws.infusion.minimumSizeHint().height() < 800 - 150  # the banner, tabs and status bar take the rest


def test_the_infusion_column_never_scrolls_sideways(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    """At 1280x800 every pump button and vitals field of the right column is in view (it scrolls down only)."""
    window.resize(1280, 800)
    window.show()
    sign_in(window, "drlee", "doctor-sign-pass-1")
    window.show_chart(clinic.patient)
    finish()
    window.new_visit()
    finish()
    ws = window.stack.currentWidget()
    ws.tabs.setCurrentWidget(ws.infusion)
    qtbot.waitExposed(window)
    scroll = ws.infusion.stop.parentWidget()
    while scroll is not None and not hasattr(scroll, "horizontalScrollBar"):
        scroll = scroll.parentWidget()
    assert scroll is not None and scroll.horizontalScrollBar().maximum() == 0
    assert ws.infusion.stop.visibleRegion().boundingRect().width() == ws.infusion.stop.width()
    assert window.minimumSizeHint().width() <= 1280, (ws.infusion.readiness.minimumSizeHint().width(),
                                                      scroll.minimumWidth())


def test_checklist_placeholders_read_as_examples(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    sign_in(window, "drlee", "doctor-sign-pass-1")
    window.show_chart(clinic.patient)
    finish()
    window.new_visit()
    finish()
    r = window.stack.currentWidget().infusion.readiness
    for edit in (r.iv_site, r.iv_gauge, r.expiry):
        assert edit.placeholderText().startswith("e.g. "), edit.placeholderText()
