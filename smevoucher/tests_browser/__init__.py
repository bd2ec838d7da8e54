"""End-to-end tests in a real Chromium (pytest-playwright); see conftest.py."""
