"""Territory: a CRM territory & segmentation engine (loaders, dbt, Airflow)."""
