"""Duplicates (SPEC §10): candidate pairs found by blocking keys and scored with rapidfuzz
(blocking.py, scoring.py, candidates.py: pure, no database), and merge and unmerge (merge.py)."""
