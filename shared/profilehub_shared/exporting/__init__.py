"""Writing profiles and history to files: columns, cell formats, CSV / JSON Lines / XLSX writers, stored results."""

from .columns import Column, ColumnError, profile_columns
from .results import ResultFiles
from .writers import FORMATS, RowWriter, open_writer

__all__ = ["FORMATS", "Column", "ColumnError", "ResultFiles", "RowWriter", "open_writer", "profile_columns"]
