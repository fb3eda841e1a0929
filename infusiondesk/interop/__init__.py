"""Patients in from other systems: a CSV file of patients, or HL7 v2 ADT messages. Every row is checked with the
same rules as the patient form and the store (infusiondesk.validation), reported row by row, and written only on
request, through the store, as a signed-in admin, with one audit entry per import."""
