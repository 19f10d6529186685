"""Pure domain rules (validation, normalisation, matching keys): no I/O, nothing else from crm."""
