"""The test settings with the production kind of cache (files in KAM_TEST_CACHE_DIR): for the test that proves
the API limits count across processes."""

import os

from kam.settings_test import *  # noqa: F403

CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                      "LOCATION": os.environ["KAM_TEST_CACHE_DIR"]}}
