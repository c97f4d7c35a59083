"""Siaga112 command line."""
