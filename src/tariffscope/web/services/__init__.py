"""The engine behind the workbench: thin calls into tariffscope, with per-process caches.

Nothing here re-implements the law or the models: each function parses, calls the same function the
CLI calls and shapes the answer as JSON-ready records. The catalogue, the schedule and the import
weights are loaded once per process; answers that depend only on their arguments (and on that
immutable data) are memoised in bounded LRU caches. One module per concern: ``errors``, ``state``
(loaded data, the bound on long computations), ``parse`` (request values), ``rates``, ``search``,
``measures``, ``analytics`` (the submodules ``search`` and ``measures`` are
not shadowed by functions of the same name here); the scenario lab and packages call :mod:`tariffscope.scenarios.lab`.
"""

from tariffscope.web.services.analytics import (
    REFUNDS_MAX_MEMBERS,
    call_analytics,
    compact_series,
    country_rates,
    country_sector_rates,
    etr,
    exposure,
    refunds,
    sources,
    us_rates,
)
from tariffscope.web.services.errors import Busy, InputError, Unavailable, as_partner_field, engine_error
from tariffscope.web.services.measures import measure, regime_changes
from tariffscope.web.services.parse import (
    members,
    need_date,
    parse_country,
    parse_date,
    parse_horizon_date,
    parse_hts,
    parse_partner,
    parse_partners,
    parse_share,
)
from tariffscope.web.services.rates import (
    BATCH_MAX_BYTES,
    BATCH_MAX_ROWS,
    rate,
    rate_batch,
    rate_json,
    rate_json_cached,
    timeline,
)
from tariffscope.web.services.state import (
    budgeted,
    catalogue,
    engine_function,
    engine_module,
    group_members,
    heavy_slot,
    partner_names,
    schedule,
    to_records,
    weights,
)

__all__ = [
    "BATCH_MAX_BYTES",
    "BATCH_MAX_ROWS",
    "REFUNDS_MAX_MEMBERS",
    "Busy",
    "InputError",
    "Unavailable",
    "as_partner_field",
    "budgeted",
    "call_analytics",
    "catalogue",
    "compact_series",
    "country_rates",
    "country_sector_rates",
    "engine_error",
    "engine_function",
    "engine_module",
    "etr",
    "exposure",
    "group_members",
    "heavy_slot",
    "measure",
    "members",
    "need_date",
    "parse_country",
    "parse_date",
    "parse_horizon_date",
    "parse_hts",
    "parse_partner",
    "parse_partners",
    "parse_share",
    "partner_names",
    "rate",
    "rate_batch",
    "rate_json",
    "rate_json_cached",
    "refunds",
    "regime_changes",
    "schedule",
    "sources",
    "timeline",
    "to_records",
    "us_rates",
    "weights",
]
