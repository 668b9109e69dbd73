"""tariffscope: the US tariff regime as executable, dated, cited data.

Layout (read top to bottom, each layer uses only those above it):

- ``catalogue``  the law as data: one YAML file per legal action, validated by a schema.
- ``schedule``   the USITC Harmonized Tariff Schedule, every revision, with parsed rate text.
- ``resolver``   the semantics: which measures apply to a product, origin and date, and how they stack.
- ``trade``      import flows and weights, loaders for the publishers' formats, the DuckDB store.
- ``analytics``  effective tariff rates, partner exposure, diffs, refunds, rankings, reports.
- ``models``     economics: partial equilibrium (SMART, GSIM) and general-equilibrium gravity.
- ``scenarios``  overlays on the catalogue and negotiation packages.
- ``cli``, ``web`` the interfaces.
"""

__version__ = "0.1.0"
