"""Settings for `kam bench api` and `kam bench pages`: the production settings with a URLconf that adds the framework floor."""

from kam.settings import *  # noqa: F403

ROOT_URLCONF = "kam.demo.bench_urls"

# the benchmark measures throughput: the API's per-user and per-token limits would answer 429 instead
API_RATE_LIMIT_PER_MINUTE = 0
API_TOKEN_RATE_LIMIT_PER_MINUTE = 0
