"""Deterministic synthetic CRM inbox generator.

Writes one ``out/YYYY-MM-DD/`` folder per run date in the source contract declared in
``loaders.sources`` (clients.csv daily; advisors.json, territories.csv,
whitelist.csv and blacklist.csv on day 1 and on refresh days) plus
``out/truth/entities.csv``, the ground truth of which CRM records are the same real company,
so entity resolution and routing can be scored.

Everything is vectorised with numpy/polars (loops only over vocabularies, countries and other
small sets). Each concern and day draws from its own seeded stream, so the same arguments give
byte-identical files and day N does not depend on how many days are generated. The modules
follow a record's making: `vocabulary` → `names` → `roster` → `noise` → `world` → `rules` →
`churn` → `export`; `family_offices` dresses the records of that profile at export.
Imported only by the CLI, the tests and the benchmarks.
"""

from territory.synthetic.export import GenerateReport, generate
from territory.synthetic.names import name_key

__all__ = ["GenerateReport", "generate", "name_key"]
