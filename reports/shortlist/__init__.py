"""The jury shortlist: a transparent multi-criteria ranking of candidate towns, with uncertainty.

The package follows its chain, one module per link, each a plain function on data frames that can
be tested without a warehouse except `inputs`, the thin reader of the marts:

- `criteria`: the criteria, their indicators and weights, and `indicators` (one row per town: the
  raw figures of every criterion, each oriented so that more means more need or capacity);
- `inputs`: what the shortlist reads from the warehouse (`reports/queries/shortlist_*.sql`) and
  the candidate list;
- `scoring`: normalisation, weighted sum, headline rank and its decomposition;
- `monte_carlo`: ranks under weights drawn around the defaults and every normalisation;
- `concepts`: the implantation concept and the rule that chose it;
- `selection`: a set of K towns covering the most need with little catchment overlap;
- `result`: the whole chain (`make_shortlist`) and its `Shortlist`;
- `methodology`: the French text explaining every step with the values used;
- `csv_files`, `workbook`, `page`: the CSV files, the jury's workbook and the site's page.
"""

from reports.shortlist.criteria import CRITERIA, ShortlistError
from reports.shortlist.csv_files import write_csv, write_csv_fr
from reports.shortlist.inputs import Inputs, load_inputs, resolve_candidates
from reports.shortlist.methodology import methodology
from reports.shortlist.result import Shortlist, make_shortlist

__all__ = [
    "CRITERIA",
    "Inputs",
    "Shortlist",
    "ShortlistError",
    "load_inputs",
    "make_shortlist",
    "methodology",
    "resolve_candidates",
    "write_csv",
    "write_csv_fr",
]
