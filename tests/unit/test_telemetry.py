"""Business metrics reach CloudWatch as EMF lines, and only when something was recorded."""

from __future__ import annotations

import json

from moviesapi import telemetry


def test_count_then_flush_emits_emf(capsys, monkeypatch):
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    telemetry.count("LoginFailed")
    telemetry.flush()
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["LoginFailed"] == [1.0] or line["LoginFailed"] == 1.0
    assert line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "MoviesApiTests"
    telemetry.flush()
    assert capsys.readouterr().out == ""
