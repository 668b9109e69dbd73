"""The USITC Harmonized Tariff Schedule, every revision of 2025-26, with parsed rate text.

- :class:`Schedule` (``table.py``): dated HTS10 lines and MFN rates, lookup and search.
- ``hts.py``: code normalisation and formatting.
- ``ratetext.py``: the rate-text parser (:func:`parse_rate`, :class:`Rate`).
- ``pull.py``: download and parse the USITC JSON export.
- ``build.py``: the steps of ``scripts/build_schedule.py``.
"""

from tariffscope.schedule.hts import format_hts, normalize_hts
from tariffscope.schedule.ratetext import Rate, SpecificPart, parse_rate
from tariffscope.schedule.table import Schedule

__all__ = ["Rate", "Schedule", "SpecificPart", "format_hts", "normalize_hts", "parse_rate"]
