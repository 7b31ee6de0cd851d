"""The progress bar of the long commands (import_clients, the benchmarks): tqdm's, drawn only
when the command's output is a terminal."""

from tqdm import tqdm


class ProgressBar(tqdm):
    """A tqdm bar on a command's stdout/stderr (an OutputWrapper or a plain stream)."""

    def __init__(self, stream, description: str, total: int):
        # A command's OutputWrapper ends every write with a new line: draw on what it wraps.
        out = getattr(stream, "_out", stream)
        super().__init__(
            total=total,
            desc=description,
            file=out,
            disable=not out.isatty(),
            ascii=False,
            dynamic_ncols=True,
            leave=True,
        )

    def update_to(self, done: int) -> None:
        self.update(done - self.n)

    def finish(self) -> None:
        self.update_to(self.total)
        self.close()
