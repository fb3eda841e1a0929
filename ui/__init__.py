"""InfusionDesk's Qt views. All rules come from `infusiondesk`; nothing here re-implements one."""
