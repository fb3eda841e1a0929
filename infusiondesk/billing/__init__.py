"""Billing: the infusion time and units a visit bills, the clinic's prices, receipts and superbills.

Codes and rules are data with sources (infusiondesk/data/billing_codes.toml); this package only applies them.
"""
