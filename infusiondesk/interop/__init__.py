"""Data in and out of the clinic in other systems' formats: a FHIR export of visits (fhir_*), and patients in from a
CSV file or HL7 v2 ADT messages (patient_*, hl7_adt, writing). Imported rows are checked with the same rules as the
patient form and the store (infusiondesk.validation), reported row by row, and written only on request, through the
store, as a signed-in admin, with one audit entry per import. Core code: no Qt, reportlab or pyHanko."""
