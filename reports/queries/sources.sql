-- purpose: provenance of every dataset vintage the build read, as the build recorded it: titles,
--          publisher, licence, the catalogue's URL and, per raw file, its sha256, size and
--          download date (section Méthode et sources, datapackage.json `sources`).
-- source: meta_sources (written by the build, flows/pipeline/provenance.py)
select dataset, vintage, vintage_order, part, title, title_fr, publisher, licence,
       documentation, source_url, url_asked, final_host, sha256, bytes, fetched_at, rows
from meta_sources
order by dataset, vintage_order, part nulls first
