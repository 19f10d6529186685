"""The one import pipeline shared by the CLI, the web upload and the demo seed:
read (bytes -> rows) -> mapping (headers -> fields) -> normalize (per row) -> load (match + bulk write)."""
