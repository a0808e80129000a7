"""Demo and benchmark data for kam (a plain package, not a Django app).

- `kam.demo.data.load_demo`: the realistic demo dataset behind `kam demo` / `make demo` (idempotent);
- `kam.demo.generate.generate`: a large synthetic dataset for benchmarks (`kam generate --customers N`);
- `kam.demo.bench`: `kam bench api`, an HTTP benchmark of the customer list API under gunicorn.
"""
