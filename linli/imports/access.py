"""Who may see an import. A batch holds what its author uploaded (names, ID numbers): only
she sees it, and only while she may still import into its area; administrators see all."""

from linli.core.access import Author, Reach, declare
from linli.imports.models import ImportBatch, ImportRow

# Importing is registering residents: the action is people.change. The area may contain more
# than the importer's scope (a grid worker imports "into her community"; only her grid's
# houses are accepted), so the area is reached rather than covered.
ACTION = "people.change"
AREA = Reach()

declare(ImportBatch, {ACTION: Author(place=AREA)})
declare(ImportRow, {ACTION: Author(field="batch__created_by", place=Reach(field="batch__path"))})
