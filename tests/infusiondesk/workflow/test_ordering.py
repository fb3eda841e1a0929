"""The dose order: a blocked calculation is refused, each soft warning needs a reason, a second person checks."""

from __future__ import annotations

import pytest

from infusiondesk import workflow as wf
from infusiondesk.dosing import calculate_from_text
from infusiondesk.drugs import Drug
from infusiondesk.records.models import DoseOrderRecord, Patient, VisitStatus

from .conftest import (
    ADMIN,
    CLINICIAN,
    CLINICIAN_2,
    NURSE,
    ORDER,
    assessed,
    calc_2g_over_30min,
    minutes,
    ordered,
    prescribed,
)


def test_a_clinician_orders_2_g_over_30_min_and_the_computed_values_are_kept(drug: Drug, patient: Patient) -> None:
    visit = ordered(drug, patient)
    assert visit.dose_order is not None
    assert visit.dose_order.computed_dose.volume_ml == pytest.approx(50)
    assert visit.dose_order.computed_dose.rate_ml_per_h == pytest.approx(100)
    assert visit.dose_order.ordered_by == CLINICIAN.id and visit.dose_order.overrides == ()


def test_the_nurse_at_the_chair_enters_the_dose_but_an_admin_account_cannot(drug: Drug, patient: Patient) -> None:
    visit = wf.order_dose(assessed(drug, patient), ORDER, calc_2g_over_30min(drug), {}, NURSE, minutes(10))
    assert visit.dose_order is not None and visit.dose_order.ordered_by == NURSE.id
    with pytest.raises(wf.WorkflowError, match="Only a nurse or clinician can enter the dose"):
        wf.order_dose(assessed(drug, patient), ORDER, calc_2g_over_30min(drug), {}, ADMIN, minutes(10))


def test_the_dose_cannot_be_ordered_before_the_patient_is_found_suitable(drug: Drug, patient: Patient) -> None:
    from infusiondesk.records.models import Visit

    with pytest.raises(wf.WorkflowError, match="Cannot order the dose: this visit is a draft"):
        wf.order_dose(Visit(1, 7), ORDER, calc_2g_over_30min(drug), {}, CLINICIAN, minutes(10))


def test_5_g_breaks_the_hard_maximum_and_cannot_be_ordered(drug: Drug, patient: Patient) -> None:
    calc = calculate_from_text(drug, dose="5 g", concentration="4 g/100 mL", duration="1 h")
    assert calc.blocked
    with pytest.raises(wf.WorkflowError, match="cannot be ordered: Dose 5 g is above the hard maximum"):
        wf.order_dose(assessed(drug, patient), DoseOrderRecord("5 g"), calc, {"dose.max.soft": "x"}, CLINICIAN,
                      minutes(10))


def test_3_g_needs_a_written_reason_which_becomes_an_override(drug: Drug, patient: Patient) -> None:
    calc = calculate_from_text(drug, dose="3 g", concentration="4 g/100 mL", duration="1 h")
    assert [f.code for f in calc.soft_findings] == ["dose.max.soft"]
    visit = assessed(drug, patient)
    with pytest.raises(wf.WorkflowError, match=r"Write a reason for each warning.*Dose 3 g"):
        wf.order_dose(visit, DoseOrderRecord("3 g"), calc, {"dose.max.soft": "  "}, CLINICIAN, minutes(10))
    done = wf.order_dose(visit, DoseOrderRecord("3 g"), calc, {"dose.max.soft": "Neurology plan, tolerated before"},
                         CLINICIAN, minutes(10))
    assert done.dose_order is not None
    (override,) = done.dose_order.overrides
    assert (override.code, override.reason, override.by, override.at) == (
        "dose.max.soft", "Neurology plan, tolerated before", CLINICIAN.id, minutes(10))
    assert "Dose 3 g" in override.message


def test_the_double_check_is_by_someone_other_than_the_prescriber(drug: Drug, patient: Patient) -> None:
    visit = prescribed(drug, patient)
    with pytest.raises(wf.WorkflowError, match="someone other than the person who entered or approved"):
        wf.double_check(visit, CLINICIAN, minutes(12))
    checked = wf.double_check(visit, NURSE, minutes(12))
    assert checked.dose_order is not None and checked.dose_order.double_check is not None
    assert checked.dose_order.double_check.by == NURSE.id
    with pytest.raises(wf.WorkflowError, match="already been double-checked"):
        wf.double_check(checked, CLINICIAN_2, minutes(13))


def test_reordering_replaces_the_order_and_clears_its_double_check(drug: Drug, patient: Patient) -> None:
    checked = wf.double_check(prescribed(drug, patient), NURSE, minutes(12))
    again = wf.order_dose(checked, ORDER, calc_2g_over_30min(drug), {}, CLINICIAN_2, minutes(14))
    assert again.dose_order is not None
    assert again.dose_order.double_check is None and again.dose_order.ordered_by == CLINICIAN_2.id
    assert again.status is VisitStatus.ASSESSED


def test_there_is_nothing_to_double_check_without_an_order(drug: Drug, patient: Patient) -> None:
    with pytest.raises(wf.WorkflowError, match="no dose order"):
        wf.double_check(assessed(drug, patient), NURSE, minutes(12))
