"""The DRF oracle: the seed project (Django REST framework + simplejwt at its own pins) answers a corpus.

- ``scenario``: the stateful request runner both sides share (placeholders, captures,
  crafted tokens) and the normalisation applied before comparing answers;
- ``record``: runs the real seed project in its own virtualenv and records its answers
  (``make record-drf``; Python 3.9, so this package stays 3.9-compatible).
"""
