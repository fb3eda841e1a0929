"""Data in and out of the clinic in other systems' formats (FHIR). Core code: no Qt, reportlab or pyHanko."""
