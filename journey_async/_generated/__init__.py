"""Code generated from the OpenAPI files in `spec/` by `scripts/generate.py`.

* `models`: one attrs class per schema of both eras (2020 and 2026), same conventions as
  `journey_async._models`;
* `operations`: the table of all operations of both eras, as `journey_async._operations.Operation`
  instances (the hand-written classes the table is made of).

Regenerate with `python scripts/generate.py`; `python scripts/generate.py --check` fails when the
checked-in files differ from what the spec files give.
"""
