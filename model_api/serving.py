"""(in progress) A production model as served."""
from __future__ import annotations


class ServedModel:
    def __init__(self, loaded, fast_path_max_rows: int = 0):
        self.loaded = loaded
        self.name = loaded.name
        self.version = loaded.version
        self.manifest = loaded.manifest

    def smoke_test(self) -> None:
        pass
