"""Evidence for the notes' claims: experiments run with gru_ref, stored as data the site renders.

The build never trains or times anything. A command in this package regenerates each result file
in evidence/results/, with its provenance, and a test fails when a stored result no longer matches
the code and configuration that made it.
"""
