"""Airflow-side code that the triggerer and the workers import from the installed package
(needs the `airflow` extra)."""
