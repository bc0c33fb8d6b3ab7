"""The Flask-Restless oracle: real Flask-Restless 0.17.0 (at its working pins) serving our catalog.

- ``app``: the Flask application, our catalog as SQLAlchemy models registered with
  ``APIManager.create_api`` and our declarations' options;
- ``scenario``: the corpus's steps as both sides run them (the DRF scenario plus ``q``),
  the recorded form of an answer and the normalisation applied before comparing;
- ``record``: runs the application in its own virtualenv and records its answers
  (``make record-restless``; Python 3.7, so this package stays 3.7-compatible).
"""
