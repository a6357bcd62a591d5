"""Exports: a city's framework in formats other tools read (Word, Open Referral HSDS, JSON).

Above ``data``, ``checks`` and ``render`` in the pipeline: an export reads a validated ``City`` (and, for Word,
the HTML ``render`` makes) and never changes what the user wrote. Every export is the public edition: internal
contacts and notes, and notes for the data's editors, never leave cityframe this way (``public.py``).
"""
