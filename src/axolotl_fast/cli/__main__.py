"""``python -m axolotl_fast.cli``: the ``axolotl-fast`` command."""

from axolotl_fast.cli import main

main()
