"""HTTP only: controllers per area, auth, forms, error pages."""
