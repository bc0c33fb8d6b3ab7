"""Printing the figures: each section's table, and the final summary (figure | ours | floor | ratio | goal | met?)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from benchmarks.calls import CallRow
from benchmarks.cold import ColdResult
from benchmarks.layer import GOAL_MB, LayerSize
from benchmarks.reads import GOAL as READS_GOAL
from benchmarks.reads import ReadRow
from benchmarks.warm import OPS, WarmResult
from benchmarks.work import REQUESTS, WorkResult

WARM_GOAL = 1.10
SECRET_NOISE = 1.05  # "off the cold path": the first fetch adds no more than this to the first response


@dataclass
class Row:
    figure: str
    ours: str
    floor: str
    ratio: str
    goal: str
    met: str


def _met(ratio: float, goal: float) -> str:
    return "-" if math.isnan(ratio) else ("yes" if ratio <= goal else "NO")


def cold_section(result: ColdResult, runs: int, rows: list[Row]) -> str:
    lines = [
        f"cold first response (spawn to response, no interpreter finalization): fresh process per sample, "
        f"{runs} interleaved runs each, medians; ours = {result.layer}",
        "",
        "| request | ours spawn→response ms | floor spawn→response ms | ratio | ours import+invoke ms"
        " | floor import+invoke ms | goal |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, (case, ours, floor) in result.cases.items():
        ratio = ours.median() / floor.median()
        lines.append(
            f"| {name} | {ours.median():.0f} | {floor.median():.0f} | {ratio:.2f}x | "
            f"{ours.median('import_ms'):.0f}+{ours.median('invoke_ms'):.0f} | "
            f"{floor.median('import_ms'):.0f}+{floor.median('invoke_ms'):.0f} | ≤ {case.goal:.2f}x |"
        )
        rows.append(
            Row(
                f"cold first response: {name}",
                f"{ours.median():.0f} ms",
                f"{floor.median():.0f} ms",
                f"{ratio:.2f}x",
                f"≤ {case.goal:.2f}x",
                _met(ratio, case.goal),
            )
        )
    return "\n".join(lines)


def secret_section(result: ColdResult, rows: list[Row]) -> str:
    assert result.secret is not None
    env_key, sm_key = result.secret
    added = sm_key.median() - env_key.median()
    ratio = sm_key.median() / env_key.median()
    added_invoke = sm_key.median("invoke_ms") - env_key.median("invoke_ms")
    rows.append(
        Row(
            "first signing-key fetch (Secrets Manager), movie get cold",
            f"{sm_key.median():.0f} ms",
            f"{env_key.median():.0f} ms (JWT_SECRET)",
            f"{ratio:.2f}x ({added:+.0f} ms; invoke {added_invoke:+.0f} ms)",
            # The whole first response, not its invoke: starting the fetch earlier moves its cost into the
            # import (measured: invoke -10 ms, first response +40 ms), which an invoke-only figure would reward.
            f"off the cold path (first response ≤ +{SECRET_NOISE - 1:.0%})",
            _met(ratio, SECRET_NOISE),
        )
    )
    return (
        "signing key: movie get cold start with the key from Secrets Manager (moto) vs JWT_SECRET\n\n"
        "| variant | process ms | import ms | invoke ms |\n|---|---|---|---|\n"
        f"| JWT_SECRET | {env_key.median():.0f} | {env_key.median('import_ms'):.0f} | "
        f"{env_key.median('invoke_ms'):.0f} |\n"
        f"| JWT_SECRET_ARN (first fetch) | {sm_key.median():.0f} | {sm_key.median('import_ms'):.0f} | "
        f"{sm_key.median('invoke_ms'):.0f} |\n\n"
        f"the first fetch adds {added:.0f} ms to the first response "
        f"({ratio:.2f}x; {added_invoke:+.0f} ms in the invoke)"
    )


def _paused(pause_ms: float) -> str:
    return f", each after {pause_ms:g} ms idle" if pause_ms else ""


def warm_section(result: WarmResult, rounds: int, batch: int, rows: list[Row], pause_ms: float = 0) -> str:
    lines = [
        f"warm CPU per request (process_time, tracing on), {rounds} interleaved rounds x {batch} requests"
        f"{_paused(pause_ms)}, medians;",
        "the floor sends the same DynamoDB requests as ours (benchmarks/floor.py); 'ours' is a sampled",
        "request (recorded in X-Ray), 'not sampled' the same with Lambda's Sampled=0 (X-Ray's default",
        "rule samples the first request each second and 5% of the rest), 'tracing off' without tracing",
        "",
        "| request | ours µs | floor µs | ratio | ours, not sampled µs | ratio | ours, tracing off µs | ratio | goal |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for op in OPS:
        ours, floor = result.median_us("ours", op), result.median_us("floor", op)
        unsampled, untraced = result.median_us("unsampled", op), result.median_us("untraced", op)
        ratio = ours / floor if floor else math.nan
        lines.append(
            f"| {op} | {ours:.0f} | {floor:.0f} | {ratio:.2f}x | {unsampled:.0f} | {unsampled / floor:.2f}x "
            f"| {untraced:.0f} | {untraced / floor:.2f}x | ≤ {WARM_GOAL:.2f}x |"
        )
        rows.append(
            Row(
                f"warm CPU per request{_paused(pause_ms)}: {op}",
                f"{ours:.0f} µs",
                f"{floor:.0f} µs",
                f"{ratio:.2f}x (not sampled {unsampled / floor:.2f}x, tracing off {untraced / floor:.2f}x)",
                f"≤ {WARM_GOAL:.2f}x",
                _met(ratio, WARM_GOAL),
            )
        )
    floor_get, anchor_get = result.median_us("floor", "get"), result.median_us("anchor", "get")
    ours_list, one = result.median_us("ours", "list"), result.median_us("floor", "list_one")
    lines += [
        "",
        f"the fixed choices alone (benchmarks/anchor.py: Powertools resolver + Logger + PynamoDB, no tracing), get: "
        f"{anchor_get:.0f} µs = {anchor_get / floor_get:.2f}x the floor; ours = "
        f"{result.median_us('ours', 'get') / anchor_get:.2f}x the anchor",
        f"the design's price, list: a one-partition page without an exact total (2 calls) costs {one:.0f} µs; "
        f"ours (5 calls, warm: the 4 listing shards + the counter shards) = {ours_list / one:.2f}x it",
    ]
    rows.append(
        Row(
            "warm CPU, get: the fixed choices alone (anchor)",
            f"{anchor_get:.0f} µs",
            f"{floor_get:.0f} µs",
            f"{anchor_get / floor_get:.2f}x",
            "-",
            "-",
        )
    )
    rows.append(
        Row(
            "warm CPU, list vs a one-partition page (the design's price)",
            f"{ours_list:.0f} µs",
            f"{one:.0f} µs",
            f"{ours_list / one:.2f}x",
            "-",
            "-",
        )
    )
    return "\n".join(lines)


def own_section(result: WarmResult, rounds: int, batch: int, pause_ms: float = 0) -> str:
    """Each side's own CPU, DynamoDB's answers replayed: the low-noise view of what our code costs."""
    lines = [
        f"own CPU per request, DynamoDB's answers replayed at botocore (no HTTP, signing, parsing or moto), "
        f"{rounds} interleaved rounds x {batch} requests{_paused(pause_ms)}, medians; tracing on, sampled",
        "",
        "| request | ours µs | floor µs | ours minus floor µs | anchor µs |",
        "|---|---|---|---|---|",
    ]
    for op in OPS:
        ours, floor = result.median_us("ours", op), result.median_us("floor", op)
        anchor = f"{result.median_us('anchor', op):.0f}" if result.anchor.get(op) else "-"
        lines.append(f"| {op} | {ours:.0f} | {floor:.0f} | {ours - floor:.0f} | {anchor} |")
    return "\n".join(lines)


def work_section(result: WorkResult, rows: list[Row]) -> str:
    """Instructions and code per request: what our code does, apart from what the caches make it cost."""
    lines = [
        "work per request, ours not sampled vs the floor: instructions (valgrind's callgrind, a worker answering "
        f"{'/'.join(str(REQUESTS[op]) for op in OPS)} requests minus one answering none) and the Python code one",
        "warm request runs (distinct code objects, their bytecode); neither depends on the machine's noise",
        "",
        "| request | ours instructions | floor instructions | ratio | ours code objects (KB) "
        "| floor code objects (KB) | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for op in OPS:
        ours_ir, floor_ir = result.instructions.get(("unsampled", op)), result.instructions.get(("floor", op))
        ours_code, floor_code = result.code[("unsampled", op)], result.code[("floor", op)]
        if ours_ir is not None and floor_ir:
            ir = f"{ours_ir / 1e6:.2f} M | {floor_ir / 1e6:.2f} M | {ours_ir / floor_ir:.2f}x"
        else:
            ir = "no valgrind | - | -"
        code_ratio = ours_code[0] / floor_code[0]
        lines.append(
            f"| {op} | {ir} | {ours_code[0]} ({ours_code[1] / 1024:.0f}) | {floor_code[0]} "
            f"({floor_code[1] / 1024:.0f}) | {code_ratio:.2f}x |"
        )
        if ours_ir is not None and floor_ir:
            rows.append(
                Row(
                    f"instructions per request, not sampled: {op}",
                    f"{ours_ir / 1e6:.2f} M",
                    f"{floor_ir / 1e6:.2f} M",
                    f"{ours_ir / floor_ir:.2f}x (code run {code_ratio:.2f}x)",
                    "-",
                    "-",
                )
            )
    return "\n".join(lines)


def calls_rows(calls: list[CallRow], rows: list[Row]) -> None:
    for r in calls:
        goal = "-" if r.goal is None else str(r.goal)
        rows.append(Row(f"DynamoDB calls: {r.request}", str(len(r.calls)), goal, "-", goal, r.met))


def layer_rows(size: LayerSize | None, rows: list[Row]) -> None:
    if size is None:
        rows.append(Row("built layer, unzipped", "run make build first", "-", "-", f"≤ {GOAL_MB:.0f} MB", "-"))
        return
    met = "yes" if size.mb <= GOAL_MB else "NO"
    rows.append(Row("built layer, unzipped", f"{size.mb:.1f} MB", "-", "-", f"≤ {GOAL_MB:.0f} MB", met))


def reads_rows(reads: list[ReadRow], rows: list[Row]) -> None:
    for r in reads:
        if not r.equality:
            continue
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}"
        rows.append(
            Row(f"items read ÷ returned: {r.label}", f"{r.read}/{r.returned}", "-", ratio, f"≤ {READS_GOAL}", r.met)
        )


def summary(rows: list[Row]) -> str:
    lines = ["summary", "", "| figure | ours | floor | ratio | goal | met? |", "|---|---|---|---|---|---|"]
    lines += [f"| {r.figure} | {r.ours} | {r.floor} | {r.ratio} | {r.goal} | {r.met} |" for r in rows]
    return "\n".join(lines)
