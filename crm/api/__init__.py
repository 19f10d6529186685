"""The REST API (/api/v1): the record for the city's other systems, under the web's rules.

Controllers call the same services as the pages; a request authenticates with a token
(`Authorization: Bearer crm_...`, from `crm token add` or /profile), never with a session cookie.
Errors are RFC 9457 problem details (crm/web/errors.py answers every /api/ path so)."""
