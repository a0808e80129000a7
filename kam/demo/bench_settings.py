"""Settings for `kam bench api` and `kam bench pages`: the production settings with a URLconf that adds the framework floor."""

from kam.settings import *  # noqa: F403

ROOT_URLCONF = "kam.demo.bench_urls"
