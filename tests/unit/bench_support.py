"""What the bench section tests share: a stand-in for ``LayerPath`` (no temporary directories, no build)."""

from __future__ import annotations


class StandInLayer:
    label = "stand-in"

    def __enter__(self) -> StandInLayer:
        return self

    def __exit__(self, *_: object) -> None:
        pass

    def pythonpath(self) -> str:
        return "layer"

    def floor_pythonpath(self) -> str:
        return "floor"

    def python(self) -> list[str]:
        return ["python"]


class StandInWorker:
    """A worker process stand-in: a side, a context manager; each test says what a batch answers."""

    def __init__(self, side: str, *_: object) -> None:
        self.side = side

    def __enter__(self) -> StandInWorker:
        return self

    def __exit__(self, *_: object) -> None:
        pass
