"""Tests against stores written by the real trackers (``make test-frameworks`` installs them;
they skip where a tracker is not installed)."""
