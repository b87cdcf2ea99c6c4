"""Counting: closed forms for the toolkit's constructions, specs with symbolic sizes, torch modules, receptive fields."""
