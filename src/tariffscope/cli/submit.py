"""Entry point for ``spark-submit``: the ``tariffscope`` command, run as a Spark application.

``spark-submit [cluster options] "$(python -m tariffscope.cli.submit --path)" rate --batch IN --out
OUT --engine spark`` (see the README's cluster recipe): Spark needs a Python file, not a console script.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--path"]:
        print(__file__)
        return
    from tariffscope.cli.main import app

    app(prog_name="tariffscope")


if __name__ == "__main__":
    main()
