"""Cross-border returns: HS codes, the tariff table, duty and tax estimates, declarations. Pure: no I/O."""
