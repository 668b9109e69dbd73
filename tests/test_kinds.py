"""One handler per rule kind (issue 14 point 4): the schema's kinds and the registry agree, and each
handler charges what the engine's docstring says."""

from __future__ import annotations

from typing import get_args

import numpy as np

from tariffscope.catalogue.schema import Kind
from tariffscope.resolver.kinds import KINDS


def test_every_schema_kind_has_one_handler() -> None:
    assert set(get_args(Kind)) == set(KINDS)


def test_statutory_rates_by_kind() -> None:
    rate, base, share = np.array([0.25, 0.15, 0.15]), np.array([0.025, 0.10, 0.20]), np.array([1.0, 0.5, 1.0])
    np.testing.assert_allclose(KINDS["add"].statutory(rate, base, share), [0.25, 0.075, 0.15])
    # an all-in floor charges the gap to the floor, never less than nothing
    np.testing.assert_allclose(KINDS["floor"].statutory(rate, base, share), [0.225, 0.025, 0.0])
    np.testing.assert_allclose(KINDS["exempt"].statutory(rate, base, share), [0.0, 0.0, 0.0])
    # a preference charges the gap down to the agreement's rate (all-in min(MFN, rate)), never more
    np.testing.assert_allclose(KINDS["preference"].statutory(rate, base, share), [0.0, 0.0, -0.05])
    # exemptions, floors and preferences take articles out of the rules they exclude even at 0%
    # (CSMS 65054270)
    assert [k for k, h in KINDS.items() if h.excludes_at_zero] == ["floor", "preference", "exempt"]
