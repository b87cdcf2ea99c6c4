"""``python -m expressivity`` runs the command line."""
from expressivity.cli import main

main()
