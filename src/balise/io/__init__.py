"""Readers (lenient parsers into fixed-schema frames) and writers."""
