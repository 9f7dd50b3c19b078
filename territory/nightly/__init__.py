"""The nightly job: land and load a night, then dbt build by the replay rule."""
