"""python -m valgap"""
from valgap.cli import entry

entry()
