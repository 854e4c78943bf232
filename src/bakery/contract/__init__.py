"""What the bakery accepts and answers, shared by the JSON API and the staff pages.

The request and response schemas, the field types behind them, and the files both hand out
(report CSVs, the backup) live here, so that a form on a page accepts exactly what the API
accepts and a download from a page is the same file as the API's. api/ and web/ both import
from here; neither imports from the other.
"""
