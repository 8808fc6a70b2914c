"""Settings shared by every test module."""

from __future__ import annotations

import os

from hypothesis import settings

# CI runs hypothesis derandomized (HYPOTHESIS_PROFILE=ci, set by .ci/run, or any CI environment), so a failure
# found there is found again on the next run and on a developer's machine; local runs keep the random search,
# which explores new examples each time.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))
