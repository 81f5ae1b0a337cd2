"""``python -m penpal`` runs the penpal command."""

from penpal.cli import main

main()
