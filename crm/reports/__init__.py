"""The study's answers (SPEC §9), one module per report; SQL aggregates, no HTTP. The page, the CLI
and the downloads call the same functions."""
