"""Services: one module per aggregate. Async functions with keyword arguments that validate,
write in one transaction with an AuditEvent, and raise crm.errors.*. They never import litestar."""
